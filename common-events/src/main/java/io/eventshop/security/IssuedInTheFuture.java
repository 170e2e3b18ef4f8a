package io.eventshop.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Refuses a token issued in the future. SmallRye JWT bounds a token's age ({@code mp.jwt.verify.token.age}) and its
 * life ({@code smallrye.jwt.time-to-live}) from its {@code iat}, but does not check that {@code iat} has come: a token
 * dated a year ahead, living an hour from then, would be good for a year. Beyond the clock skew, it is a 401.
 */
@ApplicationScoped
public class IssuedInTheFuture implements SecurityIdentityAugmentor {

    @ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "60")
    long skewSeconds;

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.getPrincipal() instanceof JsonWebToken token && token.getIssuedAtTime() > Instant.now().getEpochSecond() + skewSeconds) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the token is issued in the future"));
        }
        return Uni.createFrom().item(identity);
    }
}
