package io.eventshop.order.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every way a bearer token can be wrong, each refused with 401 and a problem document, beside the one
 * good token that passes: so a check that stopped refusing one of them fails here, and a matrix that
 * refused everything would fail on the good one.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class TokenMatrixTest {

    enum Case {
        GOOD(200),
        EXPIRED(401),
        NOT_YET_VALID(401),
        ISSUED_TOO_LONG_AGO(401),
        LIVES_TOO_LONG(401),
        WRONG_ISSUER(401),
        WRONG_AUDIENCE(401),
        NO_AUDIENCE(401),
        NO_SUBJECT(401),
        NO_ISSUED_AT(401),
        NO_EXPIRY(401),
        ISSUED_IN_THE_FUTURE(401),
        ALG_NONE(401),
        HS256_WITH_THE_PUBLIC_KEY(401),
        FORGED_SIGNATURE(401);

        final int status;

        Case(int status) {
            this.status = status;
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void a_token_is_accepted_only_when_every_claim_and_the_signature_are_right(Case c) {
        var response = given().auth().oauth2(token(c)).get("/orders").then().statusCode(c.status);
        if (c.status == 401) {
            response.contentType(startsWith("application/problem+json")).body("status", equalTo(401));
        }
    }

    private static String token(Case c) {
        Instant now = Instant.now();
        return switch (c) {
            case GOOD -> Tokens.token("tess", "shopper");
            case EXPIRED -> Tokens.sign(Tokens.claims("tess", "shopper").issuedAt(now.minus(Duration.ofMinutes(20)))
                    .expiresAt(now.minus(Duration.ofMinutes(5))));
            case NOT_YET_VALID -> Tokens.sign(Tokens.claims("tess", "shopper").claim("nbf", now.plus(Duration.ofMinutes(10)).getEpochSecond()));
            // Within its expiry, but issued more than the maximum age (an hour) ago.
            case ISSUED_TOO_LONG_AGO -> Tokens.sign(Tokens.claims("tess", "shopper").issuedAt(now.minus(Duration.ofHours(2)))
                    .expiresAt(now.plus(Duration.ofMinutes(10))));
            // Signed for 69 days, as the dev script once did: more than the hour a token may live.
            case LIVES_TOO_LONG -> Tokens.sign(Tokens.claims("tess", "shopper").expiresAt(now.plus(Duration.ofDays(69))));
            case WRONG_ISSUER -> Tokens.sign(Tokens.claims("tess", "shopper").issuer("https://elsewhere.example"));
            case WRONG_AUDIENCE -> Tokens.sign(Tokens.claims("tess", "shopper").audience("another-shop"));
            case NO_AUDIENCE -> Tokens.sign(Jwt.issuer(Tokens.ISSUER).subject("tess").upn("tess").groups(Set.of("shopper"))
                    .issuedAt(now).expiresIn(Duration.ofMinutes(30)));
            case NO_SUBJECT -> Tokens.sign(Jwt.issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE).upn("tess").groups(Set.of("shopper"))
                    .issuedAt(now).expiresIn(Duration.ofMinutes(30)));
            case NO_ISSUED_AT -> Tokens.signJson(raw(null, now.plus(Duration.ofMinutes(30))));
            case NO_EXPIRY -> Tokens.signJson(raw(now, null));
            // Dated a year ahead, living half an hour from then: its age and life look fine.
            case ISSUED_IN_THE_FUTURE -> Tokens.sign(Tokens.claims("tess", "shopper").issuedAt(now.plus(Duration.ofDays(365)))
                    .expiresAt(now.plus(Duration.ofDays(365)).plus(Duration.ofMinutes(30))));
            case ALG_NONE -> unsigned(Tokens.token("tess", "shopper"));
            // The classic confusion: the public key, which anyone may have, used as an HMAC secret.
            case HS256_WITH_THE_PUBLIC_KEY -> Tokens.claims("tess", "shopper").signWithSecret(publicKeyPem());
            case FORGED_SIGNATURE -> Tokens.forged("tess");
        };
    }

    // A good token's claims as JSON, without iat or exp where they are null.
    private static String raw(Instant issuedAt, Instant expires) {
        return "{\"iss\":\"" + Tokens.ISSUER + "\",\"aud\":\"" + Tokens.AUDIENCE + "\",\"sub\":\"tess\",\"upn\":\"tess\",\"groups\":[\"shopper\"]"
                + (issuedAt == null ? "" : ",\"iat\":" + issuedAt.getEpochSecond())
                + (expires == null ? "" : ",\"exp\":" + expires.getEpochSecond()) + "}";
    }

    // The good token's claims under {"alg":"none"} with an empty signature.
    private static String unsigned(String token) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String header = encoder.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        return header + "." + token.split("\\.")[1] + ".";
    }

    private static String publicKeyPem() {
        try (InputStream in = TokenMatrixTest.class.getResourceAsStream("/jwt/test-public.pem")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
