package io.eventshop.system;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventshop.testing.FreePorts;
import io.eventshop.testing.LocalRabbitMq;
import io.eventshop.testing.Tokens;
import io.restassured.http.ContentType;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s and deploy/grafana against the services themselves. {@code deploy/k8s/check/run} renders every overlay
 * and validates every object (schemas, CRDs, unknown fields, the dashboard's types) and writes what the workloads
 * expect of the images (facts.json); here those expectations meet the packaged services (image names, ports,
 * environment names known to their configuration) and the running ones (probes answer on the management port;
 * a live Prometheus finds a series for every expression of the dashboard and the alert rules).
 */
class KubernetesManifestsTest {

    private static final Path ROOT = LocalRabbitMq.repositoryRoot();
    private static final Path CHECK = ROOT.resolve("deploy/k8s/check");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Read by the JVM itself (the heap's share of the memory limit), not by the service's configuration. */
    private static final Set<String> JVM_ENVIRONMENT = Set.of("JAVA_TOOL_OPTIONS");

    private static JsonNode facts;

    @BeforeAll
    static void render_and_validate() throws Exception {
        Result offline = run(List.of(CHECK.resolve("run").toString()), 300);
        assertThat(offline.exitCode()).as("deploy/k8s/check/run:\n" + offline.output()).isZero();
        facts = JSON.readTree(CHECK.resolve("build/facts.json").toFile());
        assertThat(facts.get("workloads")).as("Deployments and Jobs in the rendered overlays").hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void images_are_the_services_own_with_the_project_version() throws IOException {
        String version = Poms.version(ROOT.resolve("pom.xml"));
        for (JsonNode workload : facts.get("workloads")) {
            String service = service(workload);
            String artifactId = Poms.artifactId(ROOT.resolve(service).resolve("pom.xml"));
            for (JsonNode container : workload.get("containers")) {
                assertThat(container.get("image").asText()).as(where(workload)).isEqualTo("eventshop/" + artifactId + ":" + version);
            }
        }
    }

    @Test
    void container_ports_are_the_packaged_services_ports() throws IOException {
        for (JsonNode workload : facts.get("workloads")) {
            if (!workload.get("kind").asText().equals("Deployment")) {
                continue;
            }
            Properties packaged = packagedApplicationProperties(service(workload));
            JsonNode ports = workload.get("containers").get(0).get("ports");
            assertThat(ports.get("http").asInt()).as(where(workload) + " http").isEqualTo(Integer.parseInt(packaged.getProperty("quarkus.http.port")));
            assertThat(ports.get("management").asInt()).as(where(workload) + " management")
                    .isEqualTo(Integer.parseInt(packaged.getProperty("quarkus.management.port")));
        }
    }

    @Test
    void every_environment_name_is_a_configuration_key_of_its_service() throws Exception {
        Map<String, List<String>> configMaps = JSON.convertValue(facts.get("configMaps"),
                JSON.getTypeFactory().constructMapType(Map.class, JSON.getTypeFactory().constructType(String.class),
                        JSON.getTypeFactory().constructCollectionType(List.class, String.class)));
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        for (JsonNode workload : facts.get("workloads")) {
            Known known = Known.of(service(workload));
            for (JsonNode container : workload.get("containers")) {
                List<String> names = new ArrayList<>();
                container.get("env").forEach(name -> names.add(name.asText()));
                for (JsonNode configMap : container.get("envFromConfigMaps")) {
                    assertThat(configMaps).as(where(workload) + " reads ConfigMap " + configMap.asText()).containsKey(configMap.asText());
                    names.addAll(configMaps.get(configMap.asText()));
                }
                for (String name : names) {
                    checked++;
                    if (!JVM_ENVIRONMENT.contains(name) && !known.accepts(name)) {
                        unknown.add(where(workload) + ": " + name);
                    }
                }
            }
        }
        assertThat(unknown).as("environment names no configuration key of the service maps to (of %d checked)", checked).isEmpty();
    }

    @Test
    void probes_answer_on_the_management_port_and_prometheus_finds_every_expression() throws Exception {
        try (RunningShop shop = RunningShop.start()) {
            for (JsonNode workload : facts.get("workloads")) {
                if (!workload.get("kind").asText().equals("Deployment")) {
                    continue;
                }
                JsonNode probes = workload.get("containers").get(0).get("probes");
                for (String kind : List.of("startup", "readiness", "liveness")) {
                    JsonNode probe = probes.get(kind);
                    assertThat(probe.isNull()).as(where(workload) + " has a " + kind + " probe").isFalse();
                    assertThat(probe.get("port").asText()).as(where(workload) + " " + kind + " probe port").isEqualTo("management");
                    String url = shop.management(service(workload)) + probe.get("path").asText();
                    assertThat(given().get(url).statusCode()).as(where(workload) + " " + kind + " probe: GET " + url).isEqualTo(200);
                }
            }
            // Some traffic, so that the order, relay, subscriber and REST series exist.
            placeAnOrder(shop);
            List<String> command = new ArrayList<>(List.of(CHECK.resolve("run").toString(), "live", Integer.toString(FreePorts.pick())));
            for (String service : RunningShop.SERVICES) {
                command.add(service + "=" + shop.management(service).replace("http://", ""));
            }
            Result live = run(command, 180);
            assertThat(live.exitCode()).as("deploy/k8s/check/run live:\n" + live.output()).isZero();
        }
    }

    private static void placeAnOrder(RunningShop shop) {
        String sku = "K8S-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        given().baseUri(shop.url("inventory-service")).contentType(ContentType.JSON).auth().oauth2(Tokens.admin("ops"))
                .body("{\"sku\":\"%s\",\"name\":\"Mug\",\"price\":{\"amount\":900,\"currency\":\"EUR\"},\"initialStock\":5}".formatted(sku))
                .post("/products").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.shopper("kim")).get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));
        String order = given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper("kim")).header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(sku))
                .post(shop.url("order-service") + "/orders").then().statusCode(202).extract().jsonPath().getString("id");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(Tokens.shopper("kim"))
                .get(shop.url("order-service") + "/orders/" + order).then().body("status", equalTo("CONFIRMED")));
    }

    private static String service(JsonNode workload) {
        String name = workload.get("name").asText();
        return RunningShop.SERVICES.stream().filter(name::startsWith).findFirst()
                .orElseThrow(() -> new AssertionError(where(workload) + " runs none of " + RunningShop.SERVICES));
    }

    private static String where(JsonNode workload) {
        return workload.get("overlay").asText() + " " + workload.get("kind").asText() + " " + workload.get("name").asText();
    }

    private static Path appJar(String service) throws IOException {
        try (Stream<Path> jars = Files.list(ROOT.resolve(service).resolve("target/quarkus-app/app"))) {
            return jars.filter(jar -> jar.toString().endsWith(".jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(service + " is not packaged: run the whole build (deploy/local/test)"));
        }
    }

    private static Properties packagedApplicationProperties(String service) throws IOException {
        try (ZipFile jar = new ZipFile(appJar(service).toFile())) {
            return properties(jar, "application.properties");
        }
    }

    private static Properties properties(ZipFile jar, String entry) throws IOException {
        Properties properties = new Properties();
        ZipEntry found = jar.getEntry(entry);
        if (found != null) {
            try (InputStream in = jar.getInputStream(found)) {
                properties.load(in);
            }
        }
        return properties;
    }

    /**
     * The environment names a packaged service maps to configuration: the keys its Quarkus extensions document
     * (each extension jar's config model, named datasources as patterns), the keys of its packaged configuration
     * files, the {@code @ConfigMapping}s of the eventshop code it ships, and the keys its own classes name
     * ({@code @ConfigProperty}). Environment names follow MicroProfile Config: non-alphanumerics become _, upper case.
     */
    private record Known(Set<String> names, List<Pattern> patterns) {

        private static final Pattern NAMED = Pattern.compile("__[A-Z0-9_]+?__");
        /** A key as a string constant of its own ("eventshop.orders.reservation-deadline"), not inside "io.eventshop.order.placed". */
        private static final Pattern OWN_KEY = Pattern.compile("(?<![A-Za-z0-9.])eventshop\\.[a-z0-9.-]+[a-z0-9]");

        static Known of(String service) throws Exception {
            Known known = new Known(new TreeSet<>(), new ArrayList<>());
            Path app = ROOT.resolve(service).resolve("target/quarkus-app");
            List<Path> jars = new ArrayList<>();
            try (Stream<Path> lib = Files.list(app.resolve("lib/main"))) {
                lib.filter(jar -> jar.toString().endsWith(".jar")).forEach(jars::add);
            }
            jars.add(appJar(service));
            for (Path path : jars) {
                try (ZipFile jar = new ZipFile(path.toFile())) {
                    ZipEntry model = jar.getEntry("META-INF/quarkus-config-doc/quarkus-config-model.json");
                    if (model != null) {
                        try (InputStream in = jar.getInputStream(model)) {
                            known.addModel(JSON.readTree(in));
                        }
                    }
                    for (String file : List.of("application.properties", "META-INF/microprofile-config.properties")) {
                        for (String key : properties(jar, file).stringPropertyNames()) {
                            known.addKey(key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key);
                        }
                    }
                    if (path.getFileName().toString().startsWith("io.eventshop.") || path.equals(appJar(service))) {
                        known.addCode(jar);
                    }
                }
            }
            return known;
        }

        boolean accepts(String name) {
            return names.contains(name) || patterns.stream().anyMatch(pattern -> pattern.matcher(name).matches());
        }

        private void addKey(String key) {
            names.add(key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase());
        }

        private void addModel(JsonNode node) {
            if (node.isObject()) {
                JsonNode environment = node.get("environmentVariable");
                if (environment != null && environment.isTextual()) {
                    String name = environment.asText();
                    Matcher named = NAMED.matcher(name);
                    if (named.find()) {
                        patterns.add(Pattern.compile(Pattern.quote(name.substring(0, named.start())) + "_[A-Z0-9_]+_"
                                + Pattern.quote(name.substring(named.end()))));
                    } else {
                        names.add(name);
                    }
                }
            }
            node.forEach(this::addModel);
        }

        /** The mappings of the eventshop classes in this jar (loaded from the test class path: the same code) and the keys its classes name. */
        private void addCode(ZipFile jar) throws IOException {
            for (ZipEntry entry : jar.stream().filter(e -> e.getName().startsWith("io/eventshop/") && e.getName().endsWith(".class")).toList()) {
                try (InputStream in = jar.getInputStream(entry)) {
                    Matcher key = OWN_KEY.matcher(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                    while (key.find()) {
                        addKey(key.group());
                    }
                }
                String className = entry.getName().replace('/', '.').replaceAll("\\.class$", "");
                try {
                    Class<?> type = Class.forName(className, false, KubernetesManifestsTest.class.getClassLoader());
                    ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
                    if (mapping != null) {
                        addMapping(mapping.prefix(), type);
                    }
                } catch (ClassNotFoundException | LinkageError notOnThisClassPath) {
                    // a service's own class: its mappings, if any, would need the service on the class path; its keys were read above
                }
            }
        }

        private void addMapping(String prefix, Class<?> type) {
            for (Method method : type.getMethods()) {
                if (method.getParameterCount() > 0 || Modifier.isStatic(method.getModifiers()) || method.isDefault()) {
                    continue;
                }
                WithName withName = method.getAnnotation(WithName.class);
                String key = prefix + "." + (withName != null ? withName.value() : method.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase());
                if (Map.class.isAssignableFrom(method.getReturnType())) {
                    patterns.add(Pattern.compile(Pattern.quote(key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase()) + "_.+"));
                } else if (method.getReturnType().isInterface() && method.getReturnType().getName().startsWith("io.eventshop.")) {
                    addMapping(key, method.getReturnType());
                } else {
                    addKey(key);
                }
            }
        }
    }

    /** The two facts of a pom this test needs (outside its <parent> block), read without a Maven model on the class path. */
    private static final class Poms {

        static String version(Path pom) throws IOException {
            return first(pom, "version");
        }

        static String artifactId(Path pom) throws IOException {
            return first(pom, "artifactId");
        }

        private static String first(Path pom, String element) throws IOException {
            String xml = Files.readString(pom).replaceFirst("(?s)<parent>.*?</parent>", "");
            Matcher matcher = Pattern.compile("<" + element + ">([^<]+)</" + element + ">").matcher(xml);
            if (!matcher.find()) {
                throw new IllegalStateException(pom + " has no " + element);
            }
            return matcher.group(1);
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(String.join(" ", command) + " ended").isTrue();
        return new Result(process.exitValue(), output);
    }
}
