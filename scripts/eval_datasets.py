#!/usr/bin/env python3
"""Measure clausegap on the public datasets of the shared corpus (issue 4, item 8).

Runs the release binary over ContractNLI dev, CUAD dev and CLAUDETTE dev, scores the
mappings below against the dataset labels and against a naive keyword baseline, runs
`clausegap eval` on the gold-label folders, prints one table of figures and writes every
disagreement to a TSV per dataset so people can read them.

    ContractNLI  nda-4  Entailment  <->  purpose-limitation present
                 nda-16 Entailment  <->  return-deletion present
                 nda-20 Entailment  <->  return-deletion weak
    CUAD         Audit Rights       <->  audit-rights present or weak
                 Cap On Liability   <->  liability-exclusion flagged
    CLAUDETTE    ltd / ch / ter     <->  liability-exclusion / unilateral-change /
                                         unilateral-suspension evidence lines (line..line_end)

Standard library only.  See scripts/README.md for the decisions behind each mapping.

Exit codes: 0 ok, 2 corpus or binary missing / usage error, 3 the tool failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_BIN = REPO / "target" / "release" / "clausegap"
DEFAULT_OUT = REPO / "target" / "eval-datasets"

DATASETS = ("contractnli", "cuad", "claudette", "labels")


# --------------------------------------------------------------------------- scoring

class Counts:
    __slots__ = ("tp", "fp", "fn", "tn")

    def __init__(self):
        self.tp = self.fp = self.fn = self.tn = 0

    def add(self, gold: bool, pred: bool):
        if gold and pred:
            self.tp += 1
        elif pred:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def p(self):
        d = self.tp + self.fp
        return self.tp / d if d else None

    @property
    def r(self):
        d = self.tp + self.fn
        return self.tp / d if d else None

    @property
    def f1(self):
        d = 2 * self.tp + self.fp + self.fn
        # No positive on either side: nothing to score (None, left out of macro averages).
        return 2 * self.tp / d if d else None

    def as_dict(self):
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": self.p, "recall": self.r, "f1": self.f1}


def macro(counts):
    fs = [c.f1 for c in counts if c.f1 is not None]
    return sum(fs) / len(fs) if fs else None


def fmt(x):
    return "   -  " if x is None else f"{x:6.3f}"


# --------------------------------------------------------------------------- tool

class ToolError(Exception):
    pass


def build(bin_path: Path, quiet: bool):
    """cargo build --release; cargo itself waits for a build lock held by someone else."""
    if not (REPO / "Cargo.toml").exists():
        return
    for attempt in range(3):
        p = subprocess.run(["cargo", "build", "--release"], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode == 0:
            return
        if not quiet:
            sys.stderr.write(p.stdout[-3000:])
        if attempt < 2:
            sys.stderr.write("eval_datasets: cargo build failed, retrying in 20 s "
                             "(another engineer may be mid-edit)\n")
            time.sleep(20)
    if bin_path.exists():
        sys.stderr.write(f"eval_datasets: cargo build failed; using the existing {bin_path}\n")
        return
    raise ToolError("cargo build --release failed and no binary exists")


def scan(bin_path: Path, paths, jobs=None):
    """One `clausegap scan --format jsonl` over many paths -> {resolved path: document}."""
    cmd = [str(bin_path), "scan", "--format", "jsonl"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    # Long argument lists: pass in chunks to stay far below ARG_MAX.
    out = {}
    paths = [str(p) for p in paths]
    for i in range(0, len(paths), 400):
        chunk = paths[i:i + 400]
        p = subprocess.run(cmd + ["--"] + chunk, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode not in (0, 1):
            # `--` may not be accepted by an older CLI: retry without it once.
            p = subprocess.run(cmd + chunk, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        if p.returncode not in (0, 1):
            raise ToolError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[:2000]}")
        by_name = {}
        for q in chunk:
            by_name.setdefault(os.path.basename(q), q)
        for line in p.stdout.splitlines():
            line = line.strip()
            if not line:
                continue
            doc = json.loads(line)
            key = _match_path(doc.get("path", ""), chunk, by_name)
            out[key] = doc
    return out


def _match_path(reported, chunk, by_name):
    if reported in chunk:
        return reported
    try:
        rr = os.path.realpath(reported)
        for q in chunk:
            if os.path.realpath(q) == rr:
                return q
    except OSError:
        pass
    return by_name.get(os.path.basename(reported), reported)


def item(doc, section, ident):
    for x in (doc or {}).get(section, []) or []:
        if x.get("id") == ident:
            return x
    return None


def status_of(doc, section, ident):
    x = item(doc, section, ident)
    return x.get("status") if x else None


def clean(s, limit=600):
    s = re.sub(r"\s+", " ", str(s or "")).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def evidence_text(x, limit=900):
    if not x:
        return ""
    parts = []
    for e in x.get("evidence", []) or []:
        ln = e.get("line")
        le = e.get("line_end") or ln
        at = f"L{ln}" if ln == le else f"L{ln}-{le}"
        tags = "/".join(str(e.get(k)) for k in ("party", "modality", "effect", "cue") if e.get(k))
        parts.append(f"[{at} {tags}] {clean(e.get('sentence') or e.get('text'), 300)}")
    return clean(" ‖ ".join(parts), limit)


def doc_failed(doc):
    return doc is None or doc.get("status") != "ok"


def write_tsv(path: Path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in rows:
            w.writerow([clean(c, 2000) if isinstance(c, str) else c for c in r])


TSV_HEADER = ["error", "doc", "unit", "gold", "predicted", "tool_reason", "tool_evidence",
              "gold_evidence", "baseline"]


# --------------------------------------------------------------------------- ContractNLI

CNLI_MAP = {
    # hypothesis: (section, id, statuses that mean "positive")
    "nda-4": ("clauses", "purpose-limitation", {"present"}),
    "nda-16": ("clauses", "return-deletion", {"present"}),
    "nda-20": ("clauses", "return-deletion", {"weak"}),
}
CNLI_ALT = {  # the looser alternative reading, reported as a variant row
    "nda-4": {"present", "weak"},
    "nda-16": {"present", "weak"},
}


def cnli_baseline(h, text):
    t = text.lower()
    if h == "nda-4":
        return "purpose" in t
    if h == "nda-16":
        return "return" in t or "destroy" in t
    if h == "nda-20":
        return "retain" in t
    return False


def run_contractnli(corpus, bin_path, out_dir, jobs, log):
    path = corpus / "datasets" / "contractnli" / "dev.json"
    if not path.exists():
        log(f"contractnli: {path} not found, skipped")
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    docs = data["documents"]
    with tempfile.TemporaryDirectory(prefix="cg-cnli-") as tmp:
        files = {}
        for d in docs:
            p = Path(tmp) / f"cnli-{d['id']:04d}.txt"
            p.write_text(d["text"], encoding="utf-8")
            files[d["id"]] = str(p)
        t0 = time.time()
        res = scan(bin_path, list(files.values()), jobs)
        secs = time.time() - t0

    rows, rows_out, failed = [], [], 0
    counts = {h: Counts() for h in CNLI_MAP}
    base = {h: Counts() for h in CNLI_MAP}
    alt = {h: Counts() for h in CNLI_ALT}
    sub20, sub20b = Counts(), Counts()       # nda-20 only where nda-16 is Entailment
    for d in docs:
        doc = res.get(files[d["id"]])
        if doc_failed(doc):
            failed += 1
        ann = d["annotation_sets"][0]["annotations"]
        name = f"{d['id']} {d['file_name']}"
        for h, (sec, ident, pos) in CNLI_MAP.items():
            label = ann.get(h, {}).get("choice", "NotMentioned")
            gold = label == "Entailment"
            st = status_of(doc, sec, ident)
            pred = st in pos
            b = cnli_baseline(h, d["text"])
            counts[h].add(gold, pred)
            base[h].add(gold, b)
            if h in CNLI_ALT:
                alt[h].add(gold, st in CNLI_ALT[h])
            if h == "nda-20" and ann.get("nda-16", {}).get("choice") == "Entailment":
                sub20.add(gold, pred)
                sub20b.add(gold, b)
            if gold != pred:
                x = item(doc, sec, ident)
                spans = ann.get(h, {}).get("spans", [])
                gev = " ‖ ".join(clean(d["text"][d["spans"][s][0]:d["spans"][s][1]], 300)
                                 for s in spans if s < len(d["spans"]))
                rows_out.append(["FN" if gold else "FP", name, h, label,
                                 f"{ident}={st}", clean((x or {}).get("reason")),
                                 evidence_text(x), clean(gev, 900), "pos" if b else "neg"])
    rows_out.sort(key=lambda r: (r[2], r[0], r[1]))
    write_tsv(out_dir / "contractnli.tsv", TSV_HEADER, rows_out)

    for h in CNLI_MAP:
        sec, ident, pos = CNLI_MAP[h]
        rows.append((f"{h} ↔ {ident} {'|'.join(sorted(pos))}", counts[h], base[h]))
    macro_t = macro(counts.values())
    macro_b = macro(base.values())
    variants = []
    for h, pos in CNLI_ALT.items():
        variants.append((f"{h} ↔ {CNLI_MAP[h][1]} {'|'.join(sorted(pos))}", alt[h], base[h]))
    variants.append(("nda-20, only docs where nda-16=Entailment", sub20, sub20b))
    return {"name": "ContractNLI dev", "docs": len(docs), "failed": failed, "seconds": secs,
            "rows": rows, "macro": (macro_t, macro_b), "variants": variants,
            "disagreements": len(rows_out), "tsv": str(out_dir / "contractnli.tsv")}


# --------------------------------------------------------------------------- CUAD

# "liability ... exceed" in one sentence, or a "Limitation of/on Liability" heading.
CAP_RE = re.compile(r"liabilit[^.;]{0,300}?exceed|exceed[^.;]{0,300}?liabilit|"
                    r"limitations? (of|on) liabilit", re.I | re.S)
AUDIT_RE = re.compile(r"\baudit", re.I)


def cuad_answer(row, col):
    ans = None
    for k in (f"{col}-Answer", f"{col}- Answer"):
        if k in row and row[k].strip():
            ans = row[k].strip().lower()
            break
    if ans in ("yes", "no"):
        return ans == "yes"
    v = (row.get(col) or "").strip()
    return v not in ("", "[]")


def run_cuad(corpus, bin_path, out_dir, jobs, log):
    root = corpus / "datasets" / "cuad-dev"
    csv_path = root / "master_clauses.csv"
    if not csv_path.exists() or not (root / "txt").is_dir():
        log(f"cuad: {root} incomplete, skipped")
        return None
    with csv_path.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    txts = {p.name: p for p in (root / "txt").glob("*.txt")}
    entries, unmatched = [], []
    for row in table:
        fn = row.get("Filename", "")
        cand = [fn, os.path.splitext(fn)[0] + ".txt", fn + ".txt"]
        p = next((txts[c] for c in cand if c in txts), None)
        if p is None:
            unmatched.append(fn)
            continue
        entries.append((row, p))
    if unmatched:
        log(f"cuad: {len(unmatched)} CSV rows without a txt, skipped: {unmatched[:3]}")
    unlabelled = len(txts) - len(entries)
    t0 = time.time()
    res = scan(bin_path, [str(p) for _, p in entries], jobs)
    secs = time.time() - t0

    cats = [("Audit Rights", "audit-rights", "clauses", {"present", "weak"},
             lambda t: bool(AUDIT_RE.search(t))),
            ("Cap On Liability", "liability-exclusion", "risks", {"flagged"},
             lambda t: bool(CAP_RE.search(t)))]
    counts = {c[0]: Counts() for c in cats}
    base = {c[0]: Counts() for c in cats}
    strict_audit = Counts()
    rows_out, failed = [], 0
    for row, p in entries:
        doc = res.get(str(p))
        if doc_failed(doc):
            failed += 1
        text = p.read_text(encoding="utf-8", errors="replace")
        for col, ident, sec, pos, kw in cats:
            gold = cuad_answer(row, col)
            st = status_of(doc, sec, ident)
            pred = st in pos
            b = kw(text)
            counts[col].add(gold, pred)
            base[col].add(gold, b)
            if col == "Audit Rights":
                strict_audit.add(gold, st == "present")
            if gold != pred:
                x = item(doc, sec, ident)
                rows_out.append(["FN" if gold else "FP", p.name, col,
                                 "Yes" if gold else "No", f"{ident}={st}",
                                 clean((x or {}).get("reason")), evidence_text(x),
                                 clean(row.get(col, ""), 900), "pos" if b else "neg"])
    rows_out.sort(key=lambda r: (r[2], r[0], r[1]))
    write_tsv(out_dir / "cuad.tsv", TSV_HEADER, rows_out)
    rows = [(f"{c[0]} ↔ {c[1]} {'|'.join(sorted(c[3]))}", counts[c[0]], base[c[0]]) for c in cats]
    variants = [("Audit Rights ↔ audit-rights present only", strict_audit, base["Audit Rights"])]
    return {"name": "CUAD dev", "docs": len(entries), "failed": failed, "seconds": secs,
            "rows": rows, "macro": (macro(counts.values()), macro(base.values())),
            "variants": variants, "disagreements": len(rows_out),
            "tsv": str(out_dir / "cuad.tsv"),
            "note": f"{unlabelled} txt files have no CSV row and are not scored"}


# --------------------------------------------------------------------------- CLAUDETTE

CLAU_MAP = {"ltd": "liability-exclusion", "ch": "unilateral-change",
            "ter": "unilateral-suspension"}
CLAU_KW = {
    "ltd": re.compile(r"\bliab", re.I),
    "ch": re.compile(r"\b(chang|modif|amend|revis)", re.I),
    "ter": re.compile(r"\b(terminat|suspen)", re.I),
}
TAG_RE = re.compile(r"^([a-z]+?)(\d)?$")


def parse_tags(line):
    out = {}
    for t in line.split():
        m = TAG_RE.match(t.strip().lower())
        if m:
            out[m.group(1)] = max(out.get(m.group(1), 0), int(m.group(2) or 0))
    return out


def run_claudette(corpus, bin_path, out_dir, jobs, log):
    root = corpus / "datasets" / "claudette-dev"
    sdir, tdir = root / "sentences", root / "tags"
    if not sdir.is_dir() or not tdir.is_dir():
        log(f"claudette: {root} incomplete, skipped")
        return None
    files = sorted(sdir.glob("*.txt"))
    t0 = time.time()
    res = scan(bin_path, [str(p) for p in files], jobs)
    secs = time.time() - t0

    levels = {"2+3": {2, 3}, "1+2+3": {1, 2, 3}}
    counts = {lv: {t: Counts() for t in CLAU_MAP} for lv in levels}
    base = {lv: {t: Counts() for t in CLAU_MAP} for lv in levels}
    start_only = {t: Counts() for t in CLAU_MAP}   # variant: only the evidence's first line
    rows_out, failed, nlines, misaligned = [], 0, 0, []
    for p in files:
        sents = p.read_text(encoding="utf-8").split("\n")
        tp = tdir / p.name
        tags = tp.read_text(encoding="utf-8").split("\n") if tp.exists() else []
        if sents and sents[-1] == "":
            sents.pop()
        if tags and tags[-1] == "":
            tags.pop()
        if len(tags) != len(sents):
            misaligned.append(p.name)
        doc = res.get(str(p))
        if doc_failed(doc):
            failed += 1
        # line -> evidence entries, per risk id
        pred_lines = {}
        for tag, ident in CLAU_MAP.items():
            x = item(doc, "risks", ident)
            m = defaultdict(list)
            starts = set()
            if x and x.get("status") == "flagged":
                for e in x.get("evidence", []) or []:
                    ln = e.get("line")
                    if not ln:
                        continue
                    le = max(e.get("line_end") or ln, ln)
                    starts.add(ln)
                    for k in range(ln, le + 1):
                        m[k].append(e)
            pred_lines[tag] = (x, m, starts)
        for i, s in enumerate(sents, start=1):
            nlines += 1
            gt = parse_tags(tags[i - 1]) if i - 1 < len(tags) else {}
            for tag in CLAU_MAP:
                x, m, starts = pred_lines[tag]
                pred = i in m
                b = bool(CLAU_KW[tag].search(s))
                for lv, allowed in levels.items():
                    gold = gt.get(tag, -1) in allowed
                    counts[lv][tag].add(gold, pred)
                    base[lv][tag].add(gold, b)
                start_only[tag].add(gt.get(tag, -1) in levels["2+3"], i in starts)
                gold_any = tag in gt
                gold_main = gt.get(tag, -1) in levels["2+3"]
                if gold_main != pred:
                    ev = m.get(i, [])
                    tool_ev = evidence_text({"evidence": ev}) if ev else ""
                    reason = clean((x or {}).get("reason"), 300) if ev else ""
                    g = f"{tag}{gt[tag]}" if gold_any else "-"
                    rows_out.append(["FN" if gold_main else "FP", p.name, f"L{i} {tag}", g,
                                     f"{CLAU_MAP[tag]}:{'line' if pred else 'no'}",
                                     reason, tool_ev, clean(s, 900), "pos" if b else "neg"])
    if misaligned:
        log(f"claudette: sentence/tag line counts differ in {misaligned}")
    rows_out.sort(key=lambda r: (r[2].split()[1], r[0], r[1], int(r[2].split()[0][1:])))
    write_tsv(out_dir / "claudette.tsv", TSV_HEADER, rows_out)
    rows = [(f"{t} (2,3) ↔ {CLAU_MAP[t]} lines", counts["2+3"][t], base["2+3"][t]) for t in CLAU_MAP]
    variants = [(f"ltd incl. ltd1 (fair) as positive", counts["1+2+3"]["ltd"], base["1+2+3"]["ltd"]),
                ("macro-F1 with suffix 1 counted", _MacroRow(counts["1+2+3"]), _MacroRow(base["1+2+3"]))]
    variants += [(f"{t} (2,3), first evidence line only", start_only[t], base["2+3"][t]) for t in CLAU_MAP]
    variants.append(("macro-F1, first evidence line only", _MacroRow(start_only), _MacroRow(base["2+3"])))
    return {"name": "CLAUDETTE dev", "docs": len(files), "failed": failed, "seconds": secs,
            "units": nlines, "rows": rows,
            "macro": (macro(counts["2+3"].values()), macro(base["2+3"].values())),
            "variants": variants, "disagreements": len(rows_out),
            "tsv": str(out_dir / "claudette.tsv")}


class _MacroRow:
    """A pseudo-Counts that only carries a macro F1 (for variant rows)."""

    def __init__(self, counts):
        self.f1 = macro(counts.values())
        self.p = self.r = None
        self.tp = self.fp = self.fn = self.tn = None

    def as_dict(self):
        return {"macro_f1": self.f1}


# --------------------------------------------------------------------------- clausegap eval

def _f1(c):
    if not c:
        return None
    tp, fp, fn = c.get("tp", 0), c.get("fp", 0), c.get("fn_", c.get("fn", 0))
    d = 2 * tp + fp + fn
    return 2 * tp / d if d else None


def _micro(m):
    s = {"tp": 0, "fp": 0, "fn": 0}
    for c in (m or {}).values():
        s["tp"] += c.get("tp", 0)
        s["fp"] += c.get("fp", 0)
        s["fn"] += c.get("fn_", c.get("fn", 0))
    return s


def run_eval(bin_path, labels: Path, root: Path, log):
    if not labels.is_dir():
        log(f"eval: {labels} not found, skipped")
        return None
    cmd = [str(bin_path), "eval", "--labels", str(labels), "--root", str(root), "--json"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    if p.returncode != 0:
        log(f"eval: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[:500]}")
        return None
    rep = json.loads(p.stdout)
    risk_f1 = [f for f in (_f1(c) for c in (rep.get("risks") or {}).values()) if f is not None]
    return {
        "labels": str(labels),
        "documents": rep.get("documents"),
        "errors": len(rep.get("errors") or []),
        "missing_micro_f1": _f1(_micro(rep.get("missing"))),
        "weak_f1": _f1(_micro(rep.get("weak"))),
        "risk_macro_f1": sum(risk_f1) / len(risk_f1) if risk_f1 else None,
        "risk_micro_f1": _f1(_micro(rep.get("risks"))),
        "disagreements": len(rep.get("disagreements") or []),
        "scored": (rep.get("scored_clause_labels"), rep.get("scored_risk_labels")),
    }


# --------------------------------------------------------------------------- report

def render(results, evals):
    L = []
    hdr = f"{'unit':<58} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>5}  {'P':>6} {'R':>6} {'F1':>6}  │ {'base P':>6} {'base R':>6} {'base F1':>7}"
    for r in results:
        if r is None:
            continue
        extra = f", {r['units']} sentence lines" if "units" in r else ""
        L.append(f"\n== {r['name']}: {r['docs']} documents{extra}, {r['failed']} not ok, "
                 f"scan {r['seconds']:.1f} s, {r['disagreements']} disagreements → {r['tsv']}")
        if r.get("note"):
            L.append(f"   ({r['note']})")
        L.append(hdr)
        for name, c, b in r["rows"]:
            L.append(f"{name:<58} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.tn:>5}  {fmt(c.p)} {fmt(c.r)} {fmt(c.f1)}  │ {fmt(b.p)} {fmt(b.r)} {fmt(b.f1):>7}")
        mt, mb = r["macro"]
        L.append(f"{'macro-F1':<58} {'':>4} {'':>4} {'':>4} {'':>5}  {'':>6} {'':>6} {fmt(mt)}  │ {'':>6} {'':>6} {fmt(mb):>7}")
        for name, c, b in r.get("variants", []):
            if c.tp is None:
                L.append(f"{'  variant: ' + name:<58} {'':>4} {'':>4} {'':>4} {'':>5}  {'':>6} {'':>6} {fmt(c.f1)}  │ {'':>6} {'':>6} {fmt(b.f1):>7}")
            else:
                L.append(f"{'  variant: ' + name:<58} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.tn:>5}  {fmt(c.p)} {fmt(c.r)} {fmt(c.f1)}  │ {fmt(b.p)} {fmt(b.r)} {fmt(b.f1):>7}")
    if evals:
        L.append("\n== clausegap eval (gold-label folders)")
        L.append(f"{'labels':<34} {'docs':>4} {'missing µF1':>11} {'weak F1':>8} {'risk macroF1':>12} {'risk µF1':>9} {'disagr':>6}")
        for e in evals:
            if e is None:
                continue
            L.append(f"{e['labels']:<34} {e['documents']:>4} {fmt(e['missing_micro_f1']):>11} {fmt(e['weak_f1']):>8} {fmt(e['risk_macro_f1']):>12} {fmt(e['risk_micro_f1']):>9} {e['disagreements']:>6}")
    # headline
    L.append("\n== headline (issue 4 targets: ContractNLI ≥ 0.80, CUAD ≥ 0.90, CLAUDETTE ≥ 0.75)")
    for r in results:
        if r is None:
            continue
        mt, mb = r["macro"]
        L.append(f"{r['name']:<16} macro-F1 tool {fmt(mt)}   keyword baseline {fmt(mb)}")
    return "\n".join(L)


def to_json(results, evals):
    out = {"datasets": [], "eval": [e for e in evals if e]}
    for r in results:
        if r is None:
            continue
        out["datasets"].append({
            "name": r["name"], "documents": r["docs"], "not_ok": r["failed"],
            "scan_seconds": round(r["seconds"], 2), "disagreements": r["disagreements"],
            "tsv": r["tsv"],
            "rows": [{"unit": n, "tool": c.as_dict(), "baseline": b.as_dict()} for n, c, b in r["rows"]],
            "macro_f1": r["macro"][0], "baseline_macro_f1": r["macro"][1],
            "variants": [{"unit": n, "tool": c.as_dict(), "baseline": b.as_dict()} for n, c, b in r.get("variants", [])],
        })
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help=f"the shared corpus (default: {DEFAULT_CORPUS})")
    ap.add_argument("--bin", type=Path, default=DEFAULT_BIN,
                    help="the clausegap binary (default: target/release/clausegap)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help=f"folder for the disagreement TSVs and summary (default: {DEFAULT_OUT})")
    ap.add_argument("--only", action="append", choices=DATASETS,
                    help="run only these parts (repeatable)")
    ap.add_argument("--no-build", action="store_true", help="skip `cargo build --release`")
    ap.add_argument("--jobs", type=int, help="passed to clausegap scan --jobs")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)

    def log(msg):
        if not a.quiet:
            print(f"eval_datasets: {msg}", file=sys.stderr)

    corpus = a.corpus.resolve()
    if not (corpus / "datasets").is_dir():
        print(f"eval_datasets: corpus not found: {corpus}/datasets does not exist.\n"
              f"Point --corpus at the shared corpus (the folder holding datasets/ and labels/).",
              file=sys.stderr)
        return 2
    only = set(a.only or DATASETS)
    try:
        if not a.no_build:
            log("cargo build --release …")
            build(a.bin, a.quiet)
        if not a.bin.exists():
            print(f"eval_datasets: binary not found: {a.bin} (run cargo build --release)",
                  file=sys.stderr)
            return 2
        out = a.out
        out.mkdir(parents=True, exist_ok=True)
        results = []
        if "contractnli" in only:
            log("ContractNLI …")
            results.append(run_contractnli(corpus, a.bin, out, a.jobs, log))
        if "cuad" in only:
            log("CUAD …")
            results.append(run_cuad(corpus, a.bin, out, a.jobs, log))
        if "claudette" in only:
            log("CLAUDETTE …")
            results.append(run_claudette(corpus, a.bin, out, a.jobs, log))
        evals = []
        if "labels" in only:
            log("clausegap eval …")
            evals.append(run_eval(a.bin, REPO / "fixtures" / "labels", REPO / "fixtures", log))
            evals.append(run_eval(a.bin, corpus / "labels", corpus, log))
    except ToolError as e:
        print(f"eval_datasets: {e}", file=sys.stderr)
        return 3
    if not any(results) and not any(evals):
        print(f"eval_datasets: no dataset found under {corpus}/datasets", file=sys.stderr)
        return 2
    table = render(results, evals)
    js = to_json(results, evals)
    (a.out / "summary.txt").write_text(table + "\n", encoding="utf-8")
    (a.out / "summary.json").write_text(json.dumps(js, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    print(json.dumps(js, indent=2, ensure_ascii=False) if a.json else table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
