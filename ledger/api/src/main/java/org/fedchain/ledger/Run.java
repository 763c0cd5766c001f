package org.fedchain.ledger;

import java.math.BigInteger;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/** A run as the ledger holds it. */
public record Run(
    Hash32 runId,
    Address coordinator,
    RunConfig config,
    Hash32 genesisUpdate,
    Hash32 genesisModel,
    BigInteger paid,
    boolean open) {}
