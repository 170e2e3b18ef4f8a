package io.eventshop.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventshop.analytics.Reference;
import io.eventshop.testing.Tokens;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** analytics-service's four answers in the shape of {@link Reference.Answers} (as AnalyticsViewsTest reads them). */
final class AnalyticsAnswers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AnalyticsAnswers() {
    }

    static Reference.Answers read(Frontends frontends) throws IOException, InterruptedException {
        String token = Tokens.admin("chaos-checks");
        JsonNode sales = ok(frontends, "/analytics/sales", token);
        JsonNode funnel = ok(frontends, "/analytics/funnel", token);
        JsonNode rejections = ok(frontends, "/analytics/rejections", token);
        JsonNode revenue = ok(frontends, "/analytics/revenue?bucket=day", token);
        List<String> salesLines = new ArrayList<>();
        for (JsonNode p : sales.get("products")) {
            salesLines.add(p.get("sku").asText() + "|" + p.get("name").asText() + "|" + p.get("revenue").get("currency").asText() + "|"
                    + p.get("units").asLong() + "|" + p.get("revenue").get("amount").asLong() + "|" + p.get("orders").asLong());
        }
        List<String> reasons = new ArrayList<>();
        for (JsonNode r : rejections.get("byReason")) {
            reasons.add(r.get("reason").asText() + "|" + r.get("orders").asLong());
        }
        List<String> skus = new ArrayList<>();
        for (JsonNode r : rejections.get("bySku")) {
            skus.add(r.get("reason").asText() + "|" + r.get("sku").asText() + "|" + r.get("orders").asLong() + "|" + r.get("unitsRequested").asLong());
        }
        List<String> buckets = new ArrayList<>();
        for (JsonNode b : revenue.get("buckets")) {
            buckets.add(b.get("start").asText() + "|" + b.get("revenue").get("currency").asText() + "|" + b.get("revenue").get("amount").asLong()
                    + "|" + b.get("confirmed").asLong() + "|" + b.get("cancelled").asLong());
        }
        return new Reference.Answers(salesLines, List.of(funnel.get("placed").asLong() + "|" + funnel.get("confirmed").asLong() + "|"
                + funnel.get("rejected").asLong() + "|" + funnel.get("cancelled").asLong()), reasons, skus, buckets);
    }

    /** The rows of {@code a} and {@code b} that are not in both. */
    static int divergent(Reference.Answers a, Reference.Answers b) {
        return diff(a.sales(), b.sales()) + diff(a.funnel(), b.funnel()) + diff(a.rejectionsByReason(), b.rejectionsByReason())
                + diff(a.rejectionsBySku(), b.rejectionsBySku()) + diff(a.revenueByDay(), b.revenueByDay());
    }

    private static int diff(List<String> a, List<String> b) {
        List<String> onlyA = new ArrayList<>(a);
        onlyA.removeAll(b);
        List<String> onlyB = new ArrayList<>(b);
        onlyB.removeAll(a);
        return onlyA.size() + onlyB.size();
    }

    private static JsonNode ok(Frontends frontends, String path, String token) throws IOException, InterruptedException {
        Frontends.Answer answer = frontends.get("analytics-service", path, token);
        if (answer.status() != 200) {
            throw new IllegalStateException(path + " answered " + answer.status() + ": " + answer.body());
        }
        return JSON.readTree(answer.body());
    }
}
