# Unpacks the elpv-dataset wheel and arranges its cells as image folders, one per factory (cell
# type): OUT/{mono,poly}/{train,test}/{defect,ok}/cellNNNN.png (links into OUT/elpv/images). A cell is
# defective when its expert probability is at least 0.5; every fifth cell of a type (by name) is
# held out for testing. Usage: python3 arrange.py WHEEL OUT
import os, sys, zipfile

wheel, out = sys.argv[1], sys.argv[2]
data = os.path.join(out, "elpv")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("elpv_dataset/data/"):
            target = os.path.join(data, name[len("elpv_dataset/data/"):])
            if name.endswith("/"):
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as dst:
                dst.write(src.read())
cells = {}
with open(os.path.join(data, "labels.csv")) as f:
    for line in f:
        path, probability, kind = line.split()
        cells.setdefault(kind, []).append((path, float(probability)))
for kind, rows in cells.items():
    for i, (path, probability) in enumerate(sorted(rows)):
        part = "test" if i % 5 == 4 else "train"
        label = "defect" if probability >= 0.5 else "ok"
        folder = os.path.join(out, kind, part, label)
        os.makedirs(folder, exist_ok=True)
        link = os.path.join(folder, os.path.basename(path))
        if not os.path.lexists(link):
            os.symlink(os.path.join(data, path), link)
    print(f"{kind}: {len(rows)} cells, {sum(p >= 0.5 for _, p in rows)} defective")
