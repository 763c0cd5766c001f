// Reads `fedchain audit --json` output on stdin and recovers each update's signer with ethers v6,
// independently of FedChain. Prints one "digest signer" line per update.
const { TypedDataEncoder, verifyTypedData } = require("ethers");
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  for (const u of JSON.parse(input).updates) {
    const { EIP712Domain, ...types } = u.typedData.types; // ethers derives the domain type itself
    const digest = TypedDataEncoder.hash(u.typedData.domain, types, u.typedData.message);
    const signer = verifyTypedData(u.typedData.domain, types, u.typedData.message, u.signature);
    console.log(digest + " " + signer);
  }
});
