package io.eventshop.store;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;

/** A state row owned by Hibernate Reactive, for the atomicity tests; same table as {@link AtomicityTest}'s. */
@Entity
@Table(schema = "atomicity_test", name = "accounts")
public class Account {

    @Id
    public UUID id;

    public int balance;

    public static Account opened(UUID id, int balance) {
        Account account = new Account();
        account.id = id;
        account.balance = balance;
        return account;
    }
}
