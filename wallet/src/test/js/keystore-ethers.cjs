// Keystore interop with ethers v6. Usage:
//   node keystore-ethers.cjs encrypt <privateKeyHex> <password>   -> keystore JSON on stdout
//   node keystore-ethers.cjs decrypt <file> <password>             -> address on stdout
const fs = require("fs");
const { Wallet } = require("ethers");

async function main() {
  const [cmd, a, password] = process.argv.slice(2);
  if (cmd === "encrypt") {
    process.stdout.write(await new Wallet(a).encrypt(password));
  } else if (cmd === "decrypt") {
    const w = await Wallet.fromEncryptedJson(fs.readFileSync(a, "utf8"), password);
    process.stdout.write(w.address);
  } else {
    throw new Error("unknown command " + cmd);
  }
}
main().catch((e) => {
  process.stderr.write(String(e.message || e) + "\n");
  process.exit(2);
});
