#!/usr/bin/env bash
# Benchmarks of clausegap on ../shared/corpus (see bench/README.md for the method).
# Prints one table; every figure in it comes from this one run.
#
#   bench/run.sh              # everything
#   SKIP_10K=1 bench/run.sh   # without the 10,000-document memory run
#
# Needs: /usr/bin/time (apt-get install time), pdftotext (apt-get install poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
REPEAT=${REPEAT:-3}

for tool in pdftotext pdfinfo /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing (apt-get install poppler-utils time bc)" >&2; exit 2; }
done
cargo build --release --quiet
BIN=$CARGO_TARGET_DIR/release/clausegap
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

CUAD=$CORPUS/datasets/cuad-dev/txt
PDFS=("$CORPUS"/docs/en/pdf/*.pdf "$CORPUS"/docs/ja/pdf/*.pdf)
mb() { du -cb "$@" | tail -1 | awk '{printf "%.2f", $1/1e6}'; }

# wall seconds and peak RSS (KB) of a command: "secs kb"
measure() { /usr/bin/time -f '%e %M' -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || true; cat "$WORK/t" | tail -1; }
# median wall over $REPEAT runs
median_wall() {
  local xs=()
  for _ in $(seq "$REPEAT"); do xs+=("$(measure "$@" | cut -d' ' -f1)"); done
  printf '%s\n' "${xs[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}

echo "machine: $(nproc) cores, $(uname -sr), $(date -u +%FT%TZ)"
echo "binary: $BIN ($($BIN --version))"

# 1. End to end: the 214 CUAD texts; the PDFs; DOCX; everything.
N_CUAD=$(ls "$CUAD"/*.txt | wc -l); MB_CUAD=$(mb "$CUAD"/*.txt)
T_CUAD=$(median_wall "$BIN" scan --format jsonl --no-progress "$CUAD")
N_PDF=${#PDFS[@]}; MB_PDF=$(mb "${PDFS[@]}")
mkdir -p "$WORK/pdf" && cp "${PDFS[@]}" "$WORK/pdf/"
T_PDF=$(median_wall "$BIN" scan --format jsonl --no-progress "$WORK/pdf")
DOCX=("$CORPUS"/docs/en/docx/*.docx); N_DOCX=${#DOCX[@]}; MB_DOCX=$(mb "${DOCX[@]}")
T_DOCX=$(median_wall "$BIN" scan --format jsonl --no-progress "$CORPUS/docs/en/docx")
N_ALL=$(find "$CORPUS/docs" "$CUAD" -type f \( -name '*.txt' -o -name '*.md' -o -name '*.pdf' -o -name '*.docx' -o -name '*.html' \) | wc -l)
MB_ALL=$(find "$CORPUS/docs" "$CUAD" -type f \( -name '*.txt' -o -name '*.md' -o -name '*.pdf' -o -name '*.docx' -o -name '*.html' \) -print0 | du -cb --files0-from=- | tail -1 | awk '{printf "%.2f", $1/1e6}')
T_ALL=$(median_wall "$BIN" scan --format jsonl --no-progress "$CORPUS/docs" "$CUAD")

# 2. PDF extraction: our CLI (process per file, the PDF parsed in its worker child) vs
#    pdftotext (process per file), same files, sequential.
t0=$(date +%s.%N); for f in "${PDFS[@]}"; do "$BIN" extract --plain "$f" >/dev/null 2>&1 || true; done; t1=$(date +%s.%N)
for f in "${PDFS[@]}"; do pdftotext -q "$f" - >/dev/null 2>&1 || true; done; t2=$(date +%s.%N)
T_OURS_PDF=$(echo "$t1 - $t0" | bc -l); T_POPPLER=$(echo "$t2 - $t1" | bc -l)
PAGES=$(for f in "${PDFS[@]}"; do pdfinfo "$f" 2>/dev/null | awk '/^Pages:/{print $2}'; done | awk '{s+=$1} END{print s}')

# 3. Cache: first run into an empty cache vs re-run over the unchanged corpus.
T_C1=$(measure "$BIN" scan --format jsonl --no-progress --cache "$WORK/cache" "$CORPUS/docs" "$CUAD" | cut -d' ' -f1)
T_C2=$(median_wall "$BIN" scan --format jsonl --no-progress --cache "$WORK/cache" "$CORPUS/docs" "$CUAD")

# 4. Peak memory, 1,000 vs 10,000 documents (CUAD texts replicated as hard links), JSONL
#    streamed to /dev/null; also JSON (reports collected, rendered at the end) for contrast.
replicate() { local n=$1 d=$WORK/rep$1; mkdir -p "$d"; local files=("$CUAD"/*.txt) i=0
  while [ $i -lt "$n" ]; do for f in "${files[@]}"; do [ $i -ge "$n" ] && break; ln "$f" "$d/$(printf %05d $i).txt" 2>/dev/null || cp "$f" "$d/$(printf %05d $i).txt"; i=$((i+1)); done; done; echo "$d"; }
R1K=$(replicate 1000); read -r T_1K M_1K <<<"$(measure "$BIN" scan --format jsonl --no-progress "$R1K")"
read -r _ MJ_1K <<<"$(measure "$BIN" scan --format json --no-progress "$R1K")"
if [ -z "${SKIP_10K:-}" ]; then
  R10K=$(replicate 10000); read -r T_10K M_10K <<<"$(measure "$BIN" scan --format jsonl --no-progress "$R10K")"
  read -r _ MJ_10K <<<"$(measure "$BIN" scan --format json --no-progress "$R10K")"
else T_10K=-; M_10K=0; MJ_10K=0; fi

# 5. In-process figures (analysis vs bare Aho-Corasick; PDF in-process vs pdftotext).
cargo bench --quiet --bench throughput 2>/dev/null | tee "$WORK/inproc"
R=$(grep '^RESULT analysis' "$WORK/inproc" || true)
get() { echo "$R" | tr ' ' '\n' | awk -F= -v k="$1" '$1==k{print $2}'; }

echo
echo "| measure | result | target |"
echo "|---|---|---|"
printf '| 214 CUAD texts end to end (%s MB) | %.2f s wall, %.0f docs/s, %.1f MB/s | ≤ 1.5 s |\n' "$MB_CUAD" "$T_CUAD" "$(echo "$N_CUAD/$T_CUAD" | bc -l)" "$(echo "$MB_CUAD/$T_CUAD" | bc -l)"
printf '| %s real PDFs end to end (%s MB, %s pages) | %.2f s, %.1f docs/s, %.2f MB/s | |\n' "$N_PDF" "$MB_PDF" "$PAGES" "$T_PDF" "$(echo "$N_PDF/$T_PDF" | bc -l)" "$(echo "$MB_PDF/$T_PDF" | bc -l)"
printf '| %s DOCX end to end (%s MB) | %.2f s, %.1f docs/s | |\n' "$N_DOCX" "$MB_DOCX" "$T_DOCX" "$(echo "$N_DOCX/$T_DOCX" | bc -l)"
printf '| whole corpus end to end (%s files, %s MB) | %.2f s, %.0f docs/s, %.1f MB/s | |\n' "$N_ALL" "$MB_ALL" "$T_ALL" "$(echo "$N_ALL/$T_ALL" | bc -l)" "$(echo "$MB_ALL/$T_ALL" | bc -l)"
printf '| analysis, 1 core, vs bare Aho-Corasick (each text'"'"'s fastest round) | %s MB/s vs %s MB/s = %s%% | ≥ 25%% |\n' "$(get analysis_mbps_core)" "$(get ac_mbps)" "$(get ratio_pct)"
printf '| the same as whole passes (fastest pass) | %s%% | |\n' "$(get pass_ratio_pct)"
printf '| analysis, all cores | %s MB/s | |\n' "$(get parallel_mbps)"
RP=$(grep '^RESULT pdf' "$WORK/inproc" || true)
getp() { echo "$RP" | tr ' ' '\n' | awk -F= -v k="$1" '$1==k{print $2}'; }
printf '| PDF extraction in-process vs pdftotext per file | %s s vs %s s = %s× | ≤ 1.0× |\n' "$(getp pdf_ours_s)" "$(getp pdf_pdftotext_s)" "$(getp ratio)"
printf '| PDF extraction, CLI per file vs pdftotext per file | %.2f s vs %.2f s = %.2f× (%.1f vs %.1f ms/page) | ≤ 1.0× |\n' "$T_OURS_PDF" "$T_POPPLER" "$(echo "$T_OURS_PDF/$T_POPPLER" | bc -l)" "$(echo "1000*$T_OURS_PDF/$PAGES" | bc -l)" "$(echo "1000*$T_POPPLER/$PAGES" | bc -l)"
printf '| re-run with --cache (whole corpus) | %.2f s vs %.2f s first = %.1f%% | ≤ 10%% |\n' "$T_C2" "$T_C1" "$(echo "100*$T_C2/$T_C1" | bc -l)"
printf '| peak memory, JSONL, 1,000 / 10,000 docs | %.0f MB / %.0f MB (%s s / %s s) | ≤ 300 MB, flat |\n' "$(echo "$M_1K/1024" | bc -l)" "$(echo "$M_10K/1024" | bc -l)" "$T_1K" "$T_10K"
printf '| peak memory, JSON (collected), 1,000 / 10,000 docs | %.0f MB / %.0f MB | |\n' "$(echo "$MJ_1K/1024" | bc -l)" "$(echo "$MJ_10K/1024" | bc -l)"
