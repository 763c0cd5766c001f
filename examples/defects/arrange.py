# Unpacks the elpv-dataset wheel and arranges its cells as image folders, one per factory (cell
# type): OUT/{mono,poly}/{train,test}/{defect,ok}/cellNNNN.png (links into OUT/elpv/images). A cell is
# defective when its expert probability is at least 0.5; every fifth cell of a type (by name) is
# held out for testing. labels.csv is checked whole before anything is written, so a bad wheel
# leaves OUT as it was. Usage: python3 arrange.py WHEEL OUT
import os, sys, zipfile

PREFIX = "elpv_dataset/data/"


def fail(message):
    sys.exit(f"arrange.py: {message}")


if len(sys.argv) != 3:
    fail("usage: python3 arrange.py WHEEL OUT")
wheel, out = sys.argv[1], sys.argv[2]
try:
    z = zipfile.ZipFile(wheel)
except (OSError, zipfile.BadZipFile) as e:
    fail(f"{wheel}: not a readable wheel ({e})")
with z:
    names = set(z.namelist())
    if PREFIX + "labels.csv" not in names:
        fail(f"{wheel}: no {PREFIX}labels.csv")
    cells = {}
    for n, line in enumerate(z.read(PREFIX + "labels.csv").decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{wheel}: labels.csv line {n}"
        fields = line.split()
        if len(fields) != 3:
            fail(f"{where}: {len(fields)} fields, expected 3 (path, probability, type): {line!r}")
        path, probability, kind = fields
        try:
            p = float(probability)
        except ValueError:
            fail(f"{where}: probability {probability!r} is not a number")
        if not 0 <= p <= 1:
            fail(f"{where}: probability {p} is outside [0, 1]")
        if PREFIX + path not in names:
            fail(f"{where}: image {path} is not in the wheel")
        cells.setdefault(kind, []).append((path, p))
    if not cells:
        fail(f"{wheel}: labels.csv lists no cells")
    data = os.path.join(out, "elpv")
    for name in names:
        if name.startswith(PREFIX) and not name.endswith("/"):
            target = os.path.join(data, name[len(PREFIX):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as dst:
                dst.write(src.read())
for kind, rows in sorted(cells.items()):
    for i, (path, probability) in enumerate(sorted(rows)):
        part = "test" if i % 5 == 4 else "train"
        label = "defect" if probability >= 0.5 else "ok"
        folder = os.path.join(out, kind, part, label)
        os.makedirs(folder, exist_ok=True)
        link = os.path.join(folder, os.path.basename(path))
        if not os.path.lexists(link):
            os.symlink(os.path.join(data, path), link)
    print(f"{kind}: {len(rows)} cells, {sum(p >= 0.5 for _, p in rows)} defective")
