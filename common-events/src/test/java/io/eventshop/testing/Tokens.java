package io.eventshop.testing;

import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

/**
 * Bearer tokens for tests, signed with the test key pair under {@code jwt/} on the test class path
 * (its public half is what the services verify with in the test profile). Test-only keys.
 */
public final class Tokens {

    public static final String ISSUER = "https://eventshop.io";
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
        return Jwt.issuer(ISSUER).subject(subject).upn(subject).groups(Set.of(groups))
                .expiresIn(Duration.ofMinutes(30)).sign(KEY);
    }

    /** Signed by a key the services do not trust. */
    public static String forged(String subject) {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return Jwt.issuer(ISSUER).subject(subject).groups(Set.of("admin")).expiresIn(Duration.ofMinutes(30))
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
