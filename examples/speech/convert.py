# Writes sktime's JapaneseVowels (.ts, 12 LPC cepstra per frame, 7 to 29 frames, 9 speakers) as
# NumPy arrays FedChain reads (npz: x [n, 29, 12] float32, zero frames in front of shorter
# utterances so the last frame is always speech; y [n] int64, speaker 1..9 as 0..8).
# Standard library only. Usage: python3 convert.py WHEEL OUT.npz
import io, struct, sys, zipfile

FRAMES, DIMS, SPEAKERS = 29, 12, 9


def fail(message):
    sys.exit(f"convert.py: {message}")


def read(z, name):
    xs, ys = [], []
    data = False
    try:
        text = z.read(name).decode("utf-8", "replace")
    except KeyError:
        fail(f"{name} is not in the wheel")
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{name} line {n}"
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() == "@data":
            data = True
            continue
        if not data:
            continue
        *dims, label = line.split(":")
        if len(dims) != DIMS:
            fail(f"{where}: {len(dims)} dimensions, expected {DIMS}")
        try:
            series = [[float(v) for v in d.split(",")] for d in dims]
            speaker = int(label)
        except ValueError as e:
            fail(f"{where}: not a number ({e})")
        frames = len(series[0])
        if frames > FRAMES or any(len(s) != frames for s in series):
            fail(f"{where}: dimensions of {sorted({len(s) for s in series})} frames, expected"
                 f" one length of at most {FRAMES}")
        if not 1 <= speaker <= SPEAKERS:
            fail(f"{where}: speaker {speaker}, expected 1 to {SPEAKERS}")
        x = [0.0] * ((FRAMES - frames) * DIMS)
        for t in range(frames):
            x.extend(series[d][t] for d in range(DIMS))
        xs.append(x)
        ys.append(speaker - 1)
    if not xs:
        fail(f"{name}: no utterances")
    return xs, ys


def npy(dtype, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        dtype, "".join(f"{d}, " for d in shape).strip())
    pad = 64 - (10 + len(header) + 1) % 64
    header = (header + " " * (pad % 64) + "\n").encode()
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


if len(sys.argv) != 3:
    fail("usage: python3 convert.py WHEEL OUT.npz")
wheel, out = sys.argv[1], sys.argv[2]
try:
    wheel_zip = zipfile.ZipFile(wheel)
except (OSError, zipfile.BadZipFile) as e:
    fail(f"{wheel}: not a readable wheel ({e})")
with wheel_zip as z:
    base = "sktime/datasets/data/JapaneseVowels/JapaneseVowels_"
    parts = {"": read(z, base + "TRAIN.ts"), "_test": read(z, base + "TEST.ts")}
with zipfile.ZipFile(out, "w") as z:
    for suffix, (xs, ys) in parts.items():
        flat = [v for x in xs for v in x]
        z.writestr("x" + suffix + ".npy", npy("<f4", (len(xs), FRAMES, DIMS), struct.pack(f"<{len(flat)}f", *flat)))
        z.writestr("y" + suffix + ".npy", npy("<i8", (len(ys),), struct.pack(f"<{len(ys)}q", *ys)))
        print(f"{'test' if suffix else 'train'}: {len(xs)} utterances")
