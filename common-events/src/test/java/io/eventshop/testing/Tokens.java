package io.eventshop.testing;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

/**
 * Bearer tokens for tests, signed with the test key pair under {@code jwt/} on the test class path
 * (its public half is what the services verify with in the test profile). Test-only keys.
 */
public final class Tokens {

    public static final String ISSUER = "https://eventshop.io";
    public static final String AUDIENCE = "eventshop";
    private static final PrivateKey KEY = load();

    private Tokens() {
    }

    public static String admin(String subject) {
        return token(subject, "admin");
    }

    public static String shopper(String subject) {
        return token(subject, "shopper");
    }

    public static String token(String subject, String... groups) {
        return claims(subject, groups).sign(KEY);
    }

    /** The claims of a good token, to be spoiled by a test and then {@link #sign signed} with the trusted key. */
    public static JwtClaimsBuilder claims(String subject, String... groups) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(subject).upn(subject).groups(Set.of(groups))
                .issuedAt(Instant.now()).expiresIn(Duration.ofMinutes(30));
    }

    /** Signed with the key the services trust. */
    public static String sign(JwtClaimsBuilder claims) {
        return claims.sign(KEY);
    }

    /** Exactly these claims (JSON), signed RS256 with the key the services trust: no claim added, as the builder would. */
    public static String signJson(String claims) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims);
            jws.setKey(KEY);
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signed by a key the services do not trust. */
    public static String forged(String subject) {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(subject).groups(Set.of("admin")).expiresIn(Duration.ofMinutes(30))
                    .sign(generator.generateKeyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey load() {
        try (InputStream in = Tokens.class.getResourceAsStream("/jwt/test-private.pem")) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | GeneralSecurityException | NullPointerException e) {
            throw new IllegalStateException("the test key jwt/test-private.pem is not on the class path", e);
        }
    }
}
