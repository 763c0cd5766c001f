package org.fedchain.ledger.ethereum;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Admit;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Citation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Signed;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.LogAnchors;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.ledger.UnavailableException;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.ethereum.contracts.ContributionRegistry;
import org.fedchain.ledger.ethereum.contracts.VNXToken;
import org.fedchain.ledger.rules.Rules;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * The ledger rules enforced by the ContributionRegistry contract, through web3j. Every write is
 * first simulated ({@code eth_estimateGas}): a rule violation comes back as the contract's custom
 * error and is thrown as {@link RejectedException} without sending anything, so nothing changes and
 * no gas is spent. Reads come from the contract's events ({@link EventIndex}).
 */
final class EthereumLedger implements Ledger, LogAnchors {
  private static final int RETRIES = 3;

  private final String rpcUrl;
  private final Web3j web3j;
  private final String registryAddress;
  private final Eip712Domain domain;
  private final TransactionSigner sender;
  private final TransactionManager txm;
  private final PollingTransactionReceiptProcessor receipts;
  private final ContributionRegistry registry;
  private final VNXToken token;
  private final EventIndex index = new EventIndex();

  private EthereumLedger(
      String rpcUrl,
      Web3j web3j,
      Address registryAddress,
      long chainId,
      TransactionSigner sender,
      long fromBlock)
      throws LedgerException {
    this.rpcUrl = rpcUrl;
    this.web3j = web3j;
    this.registryAddress = registryAddress.lowerHex();
    this.domain = Eip712Domain.ethereum(chainId, registryAddress);
    this.sender = sender;
    this.receipts =
        new PollingTransactionReceiptProcessor(web3j, 2, 15_000); // ~30 s; anvil mines at once
    this.txm =
        sender == null
            ? new ReadonlyTransactionManager(web3j, Address.ZERO.lowerHex())
            : new SenderTransactionManager(web3j, new SenderSignService(sender), chainId);
    StaticGasProvider gas =
        new StaticGasProvider(
            BigInteger.ONE, BigInteger.valueOf(8_000_000)); // unused: we send ourselves
    this.registry = ContributionRegistry.load(this.registryAddress, web3j, txm, gas);
    String tokenAddress = call(() -> registry.vnx().send(), "reading the registry's token");
    this.token = VNXToken.load(tokenAddress, web3j, txm, gas);
    this.index.nextBlock = fromBlock;
  }

  static EthereumLedger open(
      String rpcUrl, Address registry, TransactionSigner sender, long fromBlock)
      throws LedgerException {
    Web3j web3j = Web3j.build(new HttpService(rpcUrl));
    try {
      long chainId = rpc(rpcUrl, () -> web3j.ethChainId().send()).getChainId().longValueExact();
      String code =
          rpc(
                  rpcUrl,
                  () ->
                      web3j
                          .ethGetCode(registry.lowerHex(), DefaultBlockParameterName.LATEST)
                          .send())
              .getCode();
      if (code == null || code.equals("0x")) {
        throw new LedgerException(
            "no contract at "
                + registry
                + " on "
                + rpcUrl
                + " (chain "
                + chainId
                + "): deploy with 'fedchain deploy'");
      }
      return new EthereumLedger(rpcUrl, web3j, registry, chainId, sender, fromBlock);
    } catch (LedgerException | RuntimeException e) {
      web3j.shutdown();
      throw e;
    }
  }

  @Override
  public Eip712Domain domain() {
    return domain;
  }

  // ---- writes ----

  @Override
  public synchronized UpdateRecord openRun(RunConfig config, Signed<ModelUpdate> genesis)
      throws LedgerException {
    ContributionRegistry.RunConfig c =
        new ContributionRegistry.RunConfig(
            BigInteger.valueOf(config.mode().ordinal()),
            config.commitReveal(),
            BigInteger.valueOf(config.quorum()),
            config.budget(),
            config.rewardPerPoint(),
            BigInteger.valueOf(config.claimWindow()),
            config.royaltyTo().lowerHex(),
            BigInteger.valueOf(config.royalty()),
            config.spec().toBytes(),
            BigInteger.valueOf(config.specRoyalty()),
            config.validators().stream().map(Address::lowerHex).toList(),
            config.admitted().stream().map(Address::lowerHex).toList(),
            config.nonce().toBytes());
    send(
        registry
            .openRun(
                c, receipt(genesis.message()), genesis.signer().lowerHex(), genesis.signature())
            .encodeFunctionCall());
    return recorded(genesis);
  }

  @Override
  public synchronized UpdateRecord submit(Signed<ModelUpdate> update) throws LedgerException {
    send(
        registry
            .submit(receipt(update.message()), update.signer().lowerHex(), update.signature())
            .encodeFunctionCall());
    return recorded(update);
  }

  /** Records many receipts in one transaction (all or none); contributors are still the signers. */
  synchronized TransactionReceipt submitBatch(List<Signed<ModelUpdate>> updates)
      throws LedgerException {
    List<ContributionRegistry.Receipt> rs = new ArrayList<>();
    List<String> who = new ArrayList<>();
    List<byte[]> sigs = new ArrayList<>();
    for (Signed<ModelUpdate> u : updates) {
      rs.add(receipt(u.message()));
      who.add(u.signer().lowerHex());
      sigs.add(u.signature());
    }
    return send(registry.submitBatch(rs, who, sigs).encodeFunctionCall());
  }

  private UpdateRecord recorded(Signed<ModelUpdate> u) throws LedgerException {
    sync();
    UpdateRecord r = index.update(u.digest(domain));
    if (r == null) {
      throw new LedgerException(
          "the transaction succeeded but no UpdateRecorded event names update " + u.digest(domain));
    }
    return r;
  }

  @Override
  public synchronized void commit(Hash32 commitment) throws LedgerException {
    send(registry.commit(commitment.toBytes()).encodeFunctionCall());
  }

  @Override
  public synchronized void attest(Signed<Attestation> a) throws LedgerException {
    Rules.signer(
        a.digest(domain),
        a); // the contract's first check, here too: the receipt lookup below needs an update
    UpdateRecord u = known(a.message().updateId());
    Attestation m = a.message();
    send(
        registry
            .attest(
                receipt(u.receipt()),
                BigInteger.valueOf(m.score()),
                m.evalSet().toBytes(),
                m.report().toBytes(),
                a.signer().lowerHex(),
                a.signature())
            .encodeFunctionCall());
  }

  @Override
  public synchronized BigInteger claim(Hash32 updateId) throws LedgerException {
    UpdateRecord u = known(updateId);
    TransactionReceipt rc = send(registry.claim(receipt(u.receipt())).encodeFunctionCall());
    // the contributor's part, and the royalty's beside it when there is one
    BigInteger paid = null;
    for (ContributionRegistry.RewardClaimedEventResponse e :
        ContributionRegistry.getRewardClaimedEvents(rc)) {
      paid = e.amount;
    }
    if (paid == null) {
      throw new LedgerException("claim succeeded but emitted no RewardClaimed event");
    }
    for (ContributionRegistry.RoyaltyPaidEventResponse e :
        ContributionRegistry.getRoyaltyPaidEvents(rc)) {
      paid = paid.add(e.amount);
    }
    for (ContributionRegistry.AuthorPaidEventResponse e :
        ContributionRegistry.getAuthorPaidEvents(rc)) {
      paid = paid.add(e.amount);
    }
    for (ContributionRegistry.DataPaidEventResponse e :
        ContributionRegistry.getDataPaidEvents(rc)) {
      paid = paid.add(e.amount);
    }
    return paid;
  }

  @Override
  public synchronized void publish(Signed<Publication> publication) throws LedgerException {
    send(
        registry
            .publish(
                publication.message().spec().toBytes(),
                publication.message().author().lowerHex(),
                publication.signature())
            .encodeFunctionCall());
  }

  @Override
  public synchronized Optional<Address> authorOf(Hash32 spec) throws LedgerException {
    String a =
        call(() -> registry.authorOf(spec.toBytes()).send(), "reading the author of spec " + spec);
    Address author = Address.parse(a);
    return author.isZero() ? Optional.empty() : Optional.of(author);
  }

  @Override
  public synchronized Hash32 grant(Signed<DataGrant> grant) throws LedgerException {
    DataGrant g = grant.message();
    send(
        registry
            .grant(
                new ContributionRegistry.DataGrant(
                    g.owner().lowerHex(),
                    g.dataset().toBytes(),
                    new BigInteger(Long.toUnsignedString(g.samples())),
                    g.node().lowerHex(),
                    g.runId().toBytes(),
                    BigInteger.valueOf(g.share()),
                    new BigInteger(Long.toUnsignedString(g.expiry())),
                    g.nonce().toBytes()),
                grant.signer().lowerHex(),
                grant.signature())
            .encodeFunctionCall());
    return grant.digest(domain);
  }

  @Override
  public synchronized void revokeGrant(Signed<RevokeGrant> revoke) throws LedgerException {
    send(
        registry
            .revokeGrant(
                revoke.message().grantId().toBytes(),
                revoke.signer().lowerHex(),
                revoke.signature())
            .encodeFunctionCall());
  }

  @Override
  public synchronized void cite(Signed<Citation> citation) throws LedgerException {
    Rules.signer(citation.digest(domain), citation); // the contract's first check, as in attest
    Citation c = citation.message();
    UpdateRecord u = known(c.updateId());
    send(
        registry
            .cite(
                receipt(u.receipt()),
                c.grantId().toBytes(),
                new BigInteger(Long.toUnsignedString(c.samples())),
                citation.signer().lowerHex(),
                citation.signature())
            .encodeFunctionCall());
  }

  @Override
  public synchronized Optional<GrantRecord> grant(Hash32 grantId) throws LedgerException {
    sync();
    return Optional.ofNullable(index.grant(grantId));
  }

  @Override
  public synchronized List<GrantRecord> grantsOf(Address owner) throws LedgerException {
    sync();
    return index.grantsOf(owner);
  }

  @Override
  public synchronized List<CitationRecord> citations(Hash32 updateId) throws LedgerException {
    sync();
    return index.citations(updateId);
  }

  @Override
  public synchronized List<CitationRecord> citationsOf(Hash32 grantId) throws LedgerException {
    sync();
    return index.citationsOf(grantId);
  }

  private UpdateRecord known(Hash32 updateId) throws LedgerException {
    sync();
    UpdateRecord u = index.update(updateId);
    if (u == null) {
      throw new RejectedException(
          Reason.UPDATE_UNKNOWN, "no update " + updateId + " on " + registryAddress);
    }
    return u;
  }

  @Override
  public synchronized void admit(Signed<Admit> admission) throws LedgerException {
    send(
        registry
            .admit(
                admission.message().runId().toBytes(),
                admission.message().node().lowerHex(),
                admission.signer().lowerHex(),
                admission.signature())
            .encodeFunctionCall());
  }

  @Override
  public synchronized boolean admits(Hash32 runId, Address who) throws LedgerException {
    return call(
        () -> registry.admits(runId.toBytes(), who.lowerHex()).send(),
        "reading the admissions of run " + runId);
  }

  @Override
  public synchronized void closeRun(Signed<CloseRun> close) throws LedgerException {
    send(
        registry
            .closeRun(
                close.message().runId().toBytes(), close.signer().lowerHex(), close.signature())
            .encodeFunctionCall());
  }

  @Override
  public synchronized BigInteger reclaim(Hash32 runId) throws LedgerException {
    TransactionReceipt rc = send(registry.reclaim(runId.toBytes()).encodeFunctionCall());
    for (ContributionRegistry.BudgetReturnedEventResponse e :
        ContributionRegistry.getBudgetReturnedEvents(rc)) {
      return e.amount;
    }
    throw new LedgerException("reclaim succeeded but emitted no BudgetReturned event");
  }

  @Override
  public synchronized void mint(Address to, BigInteger amount) throws LedgerException {
    send(registry.mint(to.lowerHex(), amount).encodeFunctionCall());
  }

  @Override
  public synchronized void anchor(Hash32 log, long entries, Hash32 head) throws LedgerException {
    send(
        registry
            .anchor(log.toBytes(), BigInteger.valueOf(entries), head.toBytes())
            .encodeFunctionCall());
  }

  @Override
  public List<Anchor> anchors(Hash32 log, Address anchorer) throws LedgerException {
    BigInteger n =
        call(
            () -> registry.anchorCount(log.toBytes(), anchorer.lowerHex()).send(),
            "reading the anchors of log " + log.hex());
    List<Anchor> out = new ArrayList<>();
    for (long i = 0; i < n.longValueExact(); i++) {
      long index = i;
      var t =
          call(
              () ->
                  registry
                      .anchorAt(log.toBytes(), anchorer.lowerHex(), BigInteger.valueOf(index))
                      .send(),
              "reading anchor " + i + " of log " + log.hex());
      out.add(
          new Anchor(
              t.component1().longValueExact(),
              t.component2().longValueExact(),
              Hash32.of(t.component3())));
    }
    return out;
  }

  private static ContributionRegistry.Receipt receipt(ModelUpdate u) {
    return new ContributionRegistry.Receipt(
        u.runId().toBytes(),
        new BigInteger(Long.toUnsignedString(u.seq())),
        BigInteger.valueOf(u.kind().code()),
        u.parent().toBytes(),
        u.model().toBytes(),
        u.manifest().toBytes(),
        u.data().toBytes(),
        new BigInteger(Long.toUnsignedString(u.samples())),
        u.contributor().lowerHex());
  }

  /**
   * Simulates, then sends and waits for the receipt. A revert in simulation is a rejection with
   * nothing sent; a failure after sending leaves the outcome to be read from the chain.
   * Synchronized: one sender account has one nonce sequence, and callers such as the coordinator
   * submit from several threads at once.
   */
  private synchronized TransactionReceipt send(String data) throws LedgerException {
    if (sender == null) {
      throw new LedgerException(
          "no sender account for transactions on " + rpcUrl + ": pass --sender WALLET");
    }
    String from = sender.address().lowerHex();
    EthEstimateGas est =
        rpc(
            rpcUrl,
            () ->
                web3j
                    .ethEstimateGas(
                        Transaction.createFunctionCallTransaction(
                            from, null, null, null, registryAddress, data))
                    .send());
    if (est.hasError()) {
      String revert = revertData(est.getError());
      Optional<Reason> reason = Reverts.reason(revert);
      if (reason.isPresent()) {
        throw new RejectedException(
            reason.get(),
            reason.get().description() + " (ContributionRegistry " + registryAddress + ")");
      }
      throw new LedgerException(
          "the node refused the transaction: "
              + est.getError().getMessage()
              + (revert == null ? "" : " " + revert));
    }
    BigInteger gasLimit =
        est.getAmountUsed()
            .multiply(BigInteger.valueOf(12))
            .divide(BigInteger.TEN)
            .add(BigInteger.valueOf(20_000));
    BigInteger gasPrice = gasPrice(rpcUrl, web3j);
    EthSendTransaction sent =
        rpc(
            rpcUrl,
            () -> txm.sendTransaction(gasPrice, gasLimit, registryAddress, data, BigInteger.ZERO));
    if (sent.hasError()) {
      throw new LedgerException(
          "the node did not accept the transaction: " + sent.getError().getMessage());
    }
    TransactionReceipt rc;
    try {
      rc = receipts.waitForTransactionReceipt(sent.getTransactionHash());
    } catch (TransactionException e) {
      throw new UnavailableException(
          "no receipt for transaction "
              + sent.getTransactionHash()
              + " yet; its outcome is unknown: read the ledger before retrying",
          e);
    } catch (IOException e) {
      throw new UnavailableException(
          "lost the node at "
              + rpcUrl
              + " after sending "
              + sent.getTransactionHash()
              + "; its outcome is unknown: read the ledger before retrying",
          e);
    }
    if (!rc.isStatusOK()) {
      throw new LedgerException(
          "transaction "
              + rc.getTransactionHash()
              + " reverted on chain although its simulation passed"
              + " (the state changed in between); nothing was recorded");
    }
    return rc;
  }

  private static String revertData(Response.Error error) {
    String d = error.getData();
    if (d == null) {
      return null;
    }
    d = d.strip();
    if (d.startsWith("\"") && d.endsWith("\"")) {
      d = d.substring(1, d.length() - 1);
    }
    return d;
  }

  // ---- reads ----

  /** Pulls the registry's new events into the index. */
  private void sync() throws LedgerException {
    BigInteger latest = rpc(rpcUrl, () -> web3j.ethBlockNumber().send()).getBlockNumber();
    if (latest.longValueExact() < index.nextBlock) {
      return;
    }
    EthFilter filter =
        new EthFilter(
            DefaultBlockParameter.valueOf(BigInteger.valueOf(index.nextBlock)),
            DefaultBlockParameter.valueOf(latest),
            registryAddress);
    EthLog logs = rpc(rpcUrl, () -> web3j.ethGetLogs(filter).send());
    if (logs.hasError()) {
      throw new LedgerException(
          "reading events from " + rpcUrl + " failed: " + logs.getError().getMessage());
    }
    for (EthLog.LogResult<?> r : logs.getLogs()) {
      index.apply((Log) r.get());
    }
    index.nextBlock = latest.longValueExact() + 1;
  }

  @Override
  public synchronized Optional<Run> run(Hash32 runId) throws LedgerException {
    sync();
    return Optional.ofNullable(index.run(runId));
  }

  @Override
  public synchronized Optional<UpdateRecord> update(Hash32 updateId) throws LedgerException {
    sync();
    return Optional.ofNullable(index.update(updateId));
  }

  @Override
  public synchronized Optional<UpdateRecord> updateOfModel(Hash32 runId, Hash32 model)
      throws LedgerException {
    sync();
    return Optional.ofNullable(index.updateOfModel(runId, model));
  }

  @Override
  public synchronized List<UpdateRecord> updates(Hash32 runId) throws LedgerException {
    sync();
    return index.updates(runId);
  }

  @Override
  public synchronized List<UpdateRecord> children(Hash32 updateId) throws LedgerException {
    sync();
    return index.children(updateId);
  }

  @Override
  public synchronized List<UpdateRecord> heads(Hash32 runId) throws LedgerException {
    sync();
    return index.heads(runId);
  }

  @Override
  public synchronized List<UpdateRecord> lineage(Hash32 updateId) throws LedgerException {
    sync();
    return Rules.lineage(
        Optional.ofNullable(index.update(updateId)),
        (run, model) -> Optional.ofNullable(index.updateOfModel(run, model)));
  }

  @Override
  public synchronized Map<Address, Long> attestations(Hash32 updateId) throws LedgerException {
    sync();
    return index.attestations(updateId);
  }

  @Override
  public synchronized BigInteger balance(Address account) throws LedgerException {
    return call(
        () -> token.balanceOf(account.lowerHex()).send(), "reading the VNX balance of " + account);
  }

  /** The contract state as a single value, for tests that prove a rejection changed nothing. */
  synchronized List<Object> stateFingerprint() throws LedgerException {
    BigInteger block = rpc(rpcUrl, () -> web3j.ethBlockNumber().send()).getBlockNumber();
    String root =
        rpc(
                rpcUrl,
                () -> web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(block), false).send())
            .getBlock()
            .getStateRoot();
    return List.of(block, root);
  }

  @Override
  public void close() {
    web3j.shutdown();
  }

  /**
   * Twice the latest base fee (at least 1 gwei): enough to be mined next block. Not eth_gasPrice,
   * whose tip suggestion on anvil feeds on the tips just paid and grows ~20% per block.
   */
  static BigInteger gasPrice(String rpcUrl, Web3j web3j) throws LedgerException {
    var block =
        rpc(rpcUrl, () -> web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send())
            .getBlock();
    BigInteger base = block.getBaseFeePerGas() == null ? BigInteger.ZERO : block.getBaseFeePerGas();
    return base.shiftLeft(1).max(BigInteger.TEN.pow(9));
  }

  // ---- RPC plumbing ----

  interface Rpc<T> {
    T call() throws Exception;
  }

  private <T> T call(Rpc<T> c, String what) throws LedgerException {
    try {
      return rpc(rpcUrl, c);
    } catch (UnavailableException e) {
      throw e;
    } catch (LedgerException e) {
      throw new LedgerException(what + ": " + e.getMessage(), e);
    }
  }

  /** Calls the node, retrying a refused connection a few times; a node that stays down is named. */
  static <T> T rpc(String url, Rpc<T> c) throws LedgerException {
    for (int attempt = 1; ; attempt++) {
      try {
        return c.call();
      } catch (ConnectException e) {
        if (attempt >= RETRIES) {
          throw new UnavailableException(
              "cannot reach the Ethereum node at "
                  + url
                  + " (is it running? 'fedchain node anvil' starts one)",
              e);
        }
        try {
          Thread.sleep(200L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new UnavailableException("interrupted while retrying " + url, ie);
        }
      } catch (IOException e) {
        if (e.getCause() instanceof ConnectException && attempt < RETRIES) {
          continue;
        }
        throw new UnavailableException(
            "talking to the Ethereum node at " + url + " failed: " + e.getMessage(), e);
      } catch (LedgerException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new LedgerException(
            "the Ethereum node at " + url + " answered with an error: " + e.getMessage(), e);
      }
    }
  }
}
