// Independent EIP-712 check with ethers v6: reads cases as JSON on stdin, prints per case the
// digest, ethers' own signature with the given key, and the address it recovers from the
// signature FedChain produced. Run by Eip712EthersIT with NODE_PATH pointing at ethers.
const { TypedDataEncoder, Wallet, verifyTypedData } = require("ethers");

const TYPES = {
  ModelUpdate: [
    { name: "runId", type: "bytes32" },
    { name: "seq", type: "uint64" },
    { name: "kind", type: "uint8" },
    { name: "parent", type: "bytes32" },
    { name: "model", type: "bytes32" },
    { name: "manifest", type: "bytes32" },
    { name: "data", type: "bytes32" },
    { name: "samples", type: "uint64" },
    { name: "contributor", type: "address" },
  ],
  Attestation: [
    { name: "updateId", type: "bytes32" },
    { name: "score", type: "int64" },
    { name: "evalSet", type: "bytes32" },
    { name: "report", type: "bytes32" },
  ],
};

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((c) => {
    const types = { [c.primaryType]: TYPES[c.primaryType] };
    const wallet = new Wallet(c.privateKey);
    return {
      digest: TypedDataEncoder.hash(c.domain, types, c.message),
      signature: wallet.signingKey.sign(TypedDataEncoder.hash(c.domain, types, c.message)).serialized,
      recovered: verifyTypedData(c.domain, types, c.message, c.fedchainSignature),
      signer: wallet.address,
    };
  });
  process.stdout.write(JSON.stringify(out));
});
