package org.fedchain.comms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fedchain.comms.ModelStoreException.Reason;
import org.fedchain.core.Hash32;
import org.fedchain.core.store.BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
  @TempDir Path dir;
  private final TestPeers peers = new TestPeers();
  private final byte[] blob = TestPeers.randomBytes(2 * 1024 * 1024 + 5, 5);
  private final Hash32 hash = Hash32.sha256(blob);
  private BlobStore serverStore;
  private BlobStore local;
  private ModelStoreClient client;
  private PemFiles ca;
  private PemFiles serverCert;
  private PemFiles clientCert;
  private PemFiles otherCa;
  private PemFiles strangerCert;

  @BeforeEach
  void setUp() throws Exception {
    Path certs = dir.resolve("certs");
    ca = Certificates.createAuthority(certs, "ca");
    serverCert = Certificates.createNode(certs, "server", ca);
    clientCert = Certificates.createNode(certs, "client", ca);
    otherCa = Certificates.createAuthority(certs, "other-ca");
    strangerCert = Certificates.createNode(certs, "stranger", otherCa);
    serverStore = BlobStore.open(dir.resolve("server"));
    serverStore.put(blob);
    local = BlobStore.open(dir.resolve("local"));
    client = ModelStoreClient.newBuilder(local).callDeadline(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void tearDown() {
    peers.close();
  }

  private ManagedChannel tls(int port, PemFiles clientCertOrNull) throws Exception {
    PeerChannels.Builder b =
        PeerChannels.forTarget("127.0.0.1:" + port).trustRoots(ca.certificate());
    if (clientCertOrNull != null) {
      b.clientCertificate(clientCertOrNull);
    }
    return peers.track(b.build());
  }

  @Test
  void a_tls_server_serves_a_client_that_trusts_its_ca() throws Exception {
    try (ModelStoreServer server =
        ModelStoreServer.newBuilder(serverStore).port(0).tls(serverCert).build()) {
      ManagedChannel ch = tls(server.port(), null);
      assertThat(client.has(ch, hash)).isTrue();
      assertThat(client.fetch(hash, List.of(ch))).isEqualTo(local.path(hash));
      assertThat(local.get(hash)).isEqualTo(blob);
      // localhost is a SAN too
      ManagedChannel byName =
          peers.track(
              PeerChannels.forTarget("localhost:" + server.port())
                  .trustRoots(ca.certificate())
                  .build());
      assertThat(client.has(byName, hash)).isTrue();
    }
  }

  @Test
  void a_tls_server_refuses_plaintext_clients() throws Exception {
    try (ModelStoreServer server =
        ModelStoreServer.newBuilder(serverStore).port(0).tls(serverCert).build()) {
      ManagedChannel plain =
          peers.track(PeerChannels.forTarget("127.0.0.1:" + server.port()).plaintext().build());
      assertThatThrownBy(() -> client.has(plain, hash))
          .isInstanceOfSatisfying(
              ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    }
  }

  @Test
  void a_client_does_not_trust_a_server_whose_certificate_comes_from_another_ca() throws Exception {
    try (ModelStoreServer server =
        ModelStoreServer.newBuilder(serverStore).port(0).tls(strangerCert).build()) {
      assertThatThrownBy(() -> client.has(tls(server.port(), null), hash))
          .isInstanceOfSatisfying(
              ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    }
  }

  @Test
  void mutual_tls_accepts_a_client_certificate_from_the_trusted_ca() throws Exception {
    try (ModelStoreServer server = mtlsServer()) {
      ManagedChannel ch = tls(server.port(), clientCert);
      assertThat(client.has(ch, hash)).isTrue();
      client.fetch(hash, List.of(ch));
      assertThat(local.get(hash)).isEqualTo(blob);
    }
  }

  @Test
  void mutual_tls_rejects_a_client_without_a_certificate() throws Exception {
    try (ModelStoreServer server = mtlsServer()) {
      assertThatThrownBy(() -> client.has(tls(server.port(), null), hash))
          .isInstanceOfSatisfying(
              ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    }
  }

  @Test
  void mutual_tls_rejects_a_client_certificate_from_another_ca() throws Exception {
    try (ModelStoreServer server = mtlsServer()) {
      assertThatThrownBy(() -> client.has(tls(server.port(), strangerCert), hash))
          .isInstanceOfSatisfying(
              ModelStoreException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE));
    }
  }

  @Test
  void builders_name_the_missing_piece_of_mutual_tls() throws Exception {
    assertThatThrownBy(
            () ->
                ModelStoreServer.newBuilder(serverStore)
                    .port(0)
                    .clientAuth(ClientAuth.REQUIRE)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tls(...)")
        .hasMessageContaining("trustRoots(...)");
    assertThatThrownBy(
            () ->
                PeerChannels.forTarget("127.0.0.1:1")
                    .plaintext()
                    .clientCertificate(clientCert)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs TLS");
    assertThatThrownBy(() -> PeerChannels.forTarget("127.0.0.1:1").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("plaintext()");
    assertThatThrownBy(() -> ModelStoreServer.newBuilder(serverStore).port(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000");
  }

  private ModelStoreServer mtlsServer() throws Exception {
    return ModelStoreServer.newBuilder(serverStore)
        .port(0)
        .tls(serverCert)
        .trustRoots(ca.certificate())
        .clientAuth(ClientAuth.REQUIRE)
        .build();
  }

  /**
   * A plaintext server meant for this machine only: it answers on loopback and nobody reaches it
   * through the machine's other addresses.
   */
  @Test
  void a_loopback_only_server_is_not_reachable_from_other_addresses() throws Exception {
    java.net.InetAddress other = null;
    for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (var a : java.util.Collections.list(nic.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof java.net.Inet4Address && nic.isUp()) {
          other = a;
        }
      }
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(other != null, "no non-loopback IPv4 address");
    try (ModelStoreServer s =
        ModelStoreServer.newBuilder(BlobStore.open(dir.resolve("loopback")))
            .port(0)
            .loopbackOnly()
            .build()) {
      try (java.net.Socket ok = new java.net.Socket("127.0.0.1", s.port())) {
        org.assertj.core.api.Assertions.assertThat(ok.isConnected()).isTrue();
      }
      java.net.InetAddress target = other;
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> new java.net.Socket(target, s.port()).close())
          .isInstanceOf(java.net.ConnectException.class);
    }
  }
}
