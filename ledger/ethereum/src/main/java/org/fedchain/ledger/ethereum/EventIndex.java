package org.fedchain.ledger.ethereum;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.ethereum.contracts.ContributionRegistry;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.datatypes.Type;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.Contract;

/**
 * The registry's state as its events tell it. The contract keeps one storage slot per update and
 * puts everything else in events, so reads (lineage, children, heads, receipts) come from here. Fed
 * in block order by {@link EthereumLedger}; not thread-safe on its own.
 */
final class EventIndex {
  private static final String RUN_OPENED =
      EventEncoder.encode(ContributionRegistry.RUNOPENED_EVENT);
  private static final String UPDATE_RECORDED =
      EventEncoder.encode(ContributionRegistry.UPDATERECORDED_EVENT);
  private static final String ATTESTED = EventEncoder.encode(ContributionRegistry.ATTESTED_EVENT);
  private static final String REWARD_CLAIMED =
      EventEncoder.encode(ContributionRegistry.REWARDCLAIMED_EVENT);
  private static final String ROYALTY_PAID =
      EventEncoder.encode(ContributionRegistry.ROYALTYPAID_EVENT);
  private static final String AUTHOR_PAID =
      EventEncoder.encode(ContributionRegistry.AUTHORPAID_EVENT);
  private static final String GRANT_RECORDED =
      EventEncoder.encode(ContributionRegistry.GRANTRECORDED_EVENT);
  private static final String GRANT_REVOKED =
      EventEncoder.encode(ContributionRegistry.GRANTREVOKEDBY_EVENT);
  private static final String CITED = EventEncoder.encode(ContributionRegistry.CITED_EVENT);
  private static final String DATA_PAID = EventEncoder.encode(ContributionRegistry.DATAPAID_EVENT);
  private static final String RUN_CLOSED =
      EventEncoder.encode(ContributionRegistry.RUNCLOSEDBY_EVENT);
  private static final String BUDGET_RETURNED =
      EventEncoder.encode(ContributionRegistry.BUDGETRETURNED_EVENT);

  private final Map<Hash32, Run> runs = new HashMap<>();
  private final Map<Hash32, Hash32> genesisOf = new HashMap<>();
  private final Map<Hash32, UpdateRecord> updates = new LinkedHashMap<>();

  /** Contributions' models; global models (GENESIS, AGGREGATE) are indexed apart, as on chain. */
  private final Map<String, Hash32> byModel = new HashMap<>();

  private final Map<String, Hash32> byGlobalModel = new HashMap<>();
  private final Map<Hash32, List<Hash32>> children = new HashMap<>();
  private final Map<Hash32, Map<Address, Long>> attestations = new HashMap<>();
  private final Map<Hash32, GrantRecord> grants = new LinkedHashMap<>();
  private final Map<Hash32, List<CitationRecord>> citations = new HashMap<>();
  private final Map<Hash32, List<Hash32>> citedBy = new HashMap<>();
  long nextBlock;

  private static List<Address> addresses(Type<?> array) {
    List<Address> out = new ArrayList<>();
    for (Object a : (List<?>) array.getValue()) {
      out.add(Address.parse((String) ((Type<?>) a).getValue()));
    }
    return out;
  }

  void apply(Log log) {
    String topic = log.getTopics().get(0);
    if (topic.equals(RUN_OPENED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.RUNOPENED_EVENT, log);
      Hash32 runId = hash(v.getIndexedValues().get(0));
      Address coordinator = Address.parse((String) v.getIndexedValues().get(1).getValue());
      List<Type> nv = v.getNonIndexedValues();
      RunConfig config =
          new RunConfig(
              Mode.fromCode(integer(nv.get(1)).intValue()),
              (Boolean) nv.get(2).getValue(),
              addresses(nv.get(11)),
              integer(nv.get(3)).intValue(),
              integer(nv.get(4)),
              integer(nv.get(5)),
              integer(nv.get(6)).longValueExact(),
              Address.parse((String) nv.get(7).getValue()),
              integer(nv.get(8)).intValueExact(),
              hash(nv.get(9)),
              integer(nv.get(10)).intValueExact(),
              addresses(nv.get(12)),
              hash(nv.get(13)));
      Hash32 genesis =
          genesisOf.getOrDefault(runId, Hash32.ZERO); // its UpdateRecorded may come first
      runs.put(
          runId,
          new Run(runId, coordinator, config, genesis, hash(nv.get(0)), BigInteger.ZERO, true, 0));
    } else if (topic.equals(UPDATE_RECORDED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.UPDATERECORDED_EVENT, log);
      Hash32 runId = hash(v.getIndexedValues().get(0));
      Hash32 updateId = hash(v.getIndexedValues().get(1));
      Address contributor = Address.parse((String) v.getIndexedValues().get(2).getValue());
      List<Type> nv = v.getNonIndexedValues();
      ModelUpdate u =
          new ModelUpdate(
              runId,
              integer(nv.get(0)).longValue(),
              UpdateKind.fromCode(integer(nv.get(1)).intValue()),
              hash(nv.get(2)),
              hash(nv.get(3)),
              hash(nv.get(4)),
              hash(nv.get(5)),
              integer(nv.get(6)).longValue(),
              contributor);
      long height =
          log.getBlockNumber().longValueExact() * 100_000L + log.getLogIndex().longValueExact();
      UpdateRecord rec = new UpdateRecord(updateId, u, (byte[]) nv.get(7).getValue(), height);
      updates.put(updateId, rec);
      boolean global = u.kind() == UpdateKind.GENESIS || u.kind() == UpdateKind.AGGREGATE;
      (global ? byGlobalModel : byModel).put(runId.hex() + model(u.model()), updateId);
      if (u.kind() == UpdateKind.GENESIS) {
        genesisOf.put(runId, updateId);
        Run r = runs.get(runId);
        if (r != null) {
          runs.put(runId, r.withGenesis(updateId, u.model()));
        }
      } else {
        Hash32 parent = recorded(runId, u.parent());
        if (parent != null) {
          children.computeIfAbsent(parent, k -> new ArrayList<>()).add(updateId);
        }
      }
    } else if (topic.equals(ATTESTED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.ATTESTED_EVENT, log);
      Hash32 updateId = hash(v.getIndexedValues().get(0));
      Address validator = Address.parse((String) v.getIndexedValues().get(1).getValue());
      attestations
          .computeIfAbsent(updateId, k -> new LinkedHashMap<>())
          .put(validator, integer(v.getNonIndexedValues().get(1)).longValue());
    } else if (topic.equals(REWARD_CLAIMED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.REWARDCLAIMED_EVENT, log);
      Hash32 runId = hash(v.getIndexedValues().get(2));
      BigInteger amount = integer(v.getNonIndexedValues().get(1));
      Run r = runs.get(runId);
      runs.put(runId, r.plusPaid(amount));
    } else if (topic.equals(ROYALTY_PAID)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.ROYALTYPAID_EVENT, log);
      paidFor(hash(v.getIndexedValues().get(0)), integer(v.getNonIndexedValues().get(0)));
    } else if (topic.equals(AUTHOR_PAID)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.AUTHORPAID_EVENT, log);
      paidFor(hash(v.getIndexedValues().get(0)), integer(v.getNonIndexedValues().get(0)));
    } else if (topic.equals(GRANT_RECORDED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.GRANTRECORDED_EVENT, log);
      Hash32 id = hash(v.getIndexedValues().get(0));
      List<Type> nv = v.getNonIndexedValues();
      DataGrant g =
          new DataGrant(
              Address.parse((String) v.getIndexedValues().get(1).getValue()),
              hash(nv.get(0)),
              integer(nv.get(1)).longValue(),
              Address.parse((String) v.getIndexedValues().get(2).getValue()),
              hash(nv.get(2)),
              integer(nv.get(3)).intValueExact(),
              integer(nv.get(4)).longValue(),
              hash(nv.get(5)));
      grants.put(id, new GrantRecord(id, g, false));
    } else if (topic.equals(GRANT_REVOKED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.GRANTREVOKEDBY_EVENT, log);
      Hash32 id = hash(v.getIndexedValues().get(0));
      GrantRecord g = grants.get(id);
      grants.put(id, new GrantRecord(id, g.grant(), true));
    } else if (topic.equals(CITED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.CITED_EVENT, log);
      Hash32 updateId = hash(v.getIndexedValues().get(0));
      Hash32 grantId = hash(v.getIndexedValues().get(1));
      Address owner = Address.parse((String) v.getIndexedValues().get(2).getValue());
      long samples = integer(v.getNonIndexedValues().get(0)).longValue();
      int share = grants.get(grantId).grant().share();
      citations
          .computeIfAbsent(updateId, k -> new ArrayList<>())
          .add(new CitationRecord(updateId, grantId, owner, share, samples, BigInteger.ZERO));
      citedBy.computeIfAbsent(grantId, k -> new ArrayList<>()).add(updateId);
    } else if (topic.equals(DATA_PAID)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.DATAPAID_EVENT, log);
      Hash32 updateId = hash(v.getIndexedValues().get(0));
      Hash32 grantId = hash(v.getIndexedValues().get(1));
      BigInteger amount = integer(v.getNonIndexedValues().get(0));
      List<CitationRecord> cs = citations.get(updateId);
      for (int i = 0; i < cs.size(); i++) {
        CitationRecord c = cs.get(i);
        if (c.grantId().equals(grantId)) {
          cs.set(
              i,
              new CitationRecord(
                  c.updateId(), c.grantId(), c.owner(), c.share(), c.samples(), amount));
        }
      }
      paidFor(updateId, amount);
    } else if (topic.equals(RUN_CLOSED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.RUNCLOSEDBY_EVENT, log);
      Hash32 runId = hash(v.getIndexedValues().get(0));
      Run r = runs.get(runId);
      runs.put(runId, r.closed(integer(v.getNonIndexedValues().get(0)).longValueExact()));
    } else if (topic.equals(BUDGET_RETURNED)) {
      var v = Contract.staticExtractEventParameters(ContributionRegistry.BUDGETRETURNED_EVENT, log);
      Hash32 runId = hash(v.getIndexedValues().get(0));
      Run r = runs.get(runId);
      runs.put(runId, r.plusPaid(integer(v.getNonIndexedValues().get(0))));
    }
  }

  /** The update that recorded {@code m}: its global record if any, as the contract reads. */
  private Hash32 recorded(Hash32 runId, Hash32 m) {
    Hash32 g = byGlobalModel.get(runId.hex() + model(m));
    return g != null ? g : byModel.get(runId.hex() + model(m));
  }

  private static String model(Hash32 h) {
    return "/" + h.hex();
  }

  private static Hash32 hash(Type<?> t) {
    return Hash32.of((byte[]) t.getValue());
  }

  private static BigInteger integer(Type<?> t) {
    return (BigInteger) t.getValue();
  }

  Run run(Hash32 runId) {
    return runs.get(runId);
  }

  UpdateRecord update(Hash32 updateId) {
    return updates.get(updateId);
  }

  UpdateRecord updateOfModel(Hash32 runId, Hash32 model) {
    Hash32 id = recorded(runId, model);
    return id == null ? null : updates.get(id);
  }

  List<UpdateRecord> updates(Hash32 runId) {
    List<UpdateRecord> out = new ArrayList<>();
    for (UpdateRecord u : updates.values()) {
      if (u.receipt().runId().equals(runId)) {
        out.add(u);
      }
    }
    out.sort(
        Comparator.comparingLong((UpdateRecord u) -> u.receipt().seq())
            .thenComparingLong(UpdateRecord::height));
    return out;
  }

  List<UpdateRecord> children(Hash32 updateId) {
    List<UpdateRecord> out = new ArrayList<>();
    for (Hash32 c : children.getOrDefault(updateId, List.of())) {
      out.add(updates.get(c));
    }
    return out;
  }

  List<UpdateRecord> heads(Hash32 runId) {
    List<UpdateRecord> out = new ArrayList<>();
    for (UpdateRecord u : updates(runId)) {
      if (!children.containsKey(u.updateId())) {
        out.add(u);
      }
    }
    out.sort(Comparator.comparingLong(UpdateRecord::height));
    return out;
  }

  Map<Address, Long> attestations(Hash32 updateId) {
    return new LinkedHashMap<>(attestations.getOrDefault(updateId, Map.of()));
  }

  /**
   * A part of an update's reward paid to someone besides its contributor (a royalty, an author's, a
   * data owner's): it left the run's budget. Those events carry the update, not the run.
   */
  private void paidFor(Hash32 updateId, BigInteger amount) {
    Hash32 runId = updates.get(updateId).receipt().runId();
    runs.put(runId, runs.get(runId).plusPaid(amount));
  }

  GrantRecord grant(Hash32 grantId) {
    return grants.get(grantId);
  }

  List<GrantRecord> grantsOf(Address owner) {
    return grants.values().stream().filter(g -> g.grant().owner().equals(owner)).toList();
  }

  List<CitationRecord> citations(Hash32 updateId) {
    return List.copyOf(citations.getOrDefault(updateId, List.of()));
  }

  List<CitationRecord> citationsOf(Hash32 grantId) {
    List<CitationRecord> out = new ArrayList<>();
    for (Hash32 u : citedBy.getOrDefault(grantId, List.of())) {
      citations.get(u).stream().filter(c -> c.grantId().equals(grantId)).forEach(out::add);
    }
    return out;
  }
}
