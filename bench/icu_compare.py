"""Should ICU be the phrase layer? Golden TSV quality: BudouX phrases (ours) vs ICU's line breaker.

Run in a venv that has PyICU (``pip install pyicu-wheels``; not a dependency of ogimage):
    python bench/icu_compare.py
It lays out every ja / zh-Hans / zh-Hant / th row of tests/golden/*.tsv twice with the
same costs and balancer, once with BudouX boundaries and once with ICU's line break
iterator (ja@lw=phrase, zh, zh_Hant, th) in their place, and counts rows that match.
"""
import pathlib, sys, time

import icu
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / 'tests'))
from ogimage.typeset import BoxSpec, fit, segment, costs
from ogimage.typeset.segment import _segment_memo, _segments_cached
from typeset_measures import em_measure
LOC = {'ja': 'ja@lw=phrase', 'zh-Hans': 'zh', 'zh-Hant': 'zh_Hant', 'th': 'th'}
_bi = {}
def icu_scores(text, mode):
    bi = _bi.get(mode) or _bi.setdefault(mode, icu.BreakIterator.createLineInstance(icu.Locale(LOC[mode])))
    bi.setText(text)
    return {e: 2000 for e in bi if 0 < e < len(text)}
def run(label):
    ok = tot = 0; fails = []
    for f in sorted((ROOT / 'tests' / 'golden').glob('*.tsv')):
        if f.stem not in LOC: continue
        for row in f.read_text().splitlines():
            if not row.strip() or row.startswith('#'): continue
            c = row.split('\t'); text = c[1].replace('▁', '')
            lay = fit(text, BoxSpec(float(c[0]) * 100, 100, 100, 20), em_measure, f.stem)
            tot += 1; good = [l.text for l in lay.lines] == [s.strip(' ') for s in c[1].split('▁')]
            ok += good
            if not good: fails.append((f.stem, '▁'.join(l.text for l in lay.lines)))
    titles = [r.split('\t')[1].replace('▁','') for f in (ROOT / 'tests' / 'golden').glob('*.tsv') if f.stem in LOC for r in f.read_text().splitlines() if r and not r.startswith('#')]
    t0 = time.perf_counter(); n = 0
    for _ in range(20):
        _segment_memo.clear()
        for (t, lang) in [(t, l) for t, l in zip(titles, ['ja'] * len(titles))]:
            segment.segments(t, None); n += 1
    dt = (time.perf_counter() - t0) / n * 1e6
    print(f'{label}: {ok}/{tot} golden CJK/Thai rows pass; segmentation {dt:.0f} us per title')
    return fails
a = run('BudouX (ours)')
costs.phrase_scores = icu_scores; segment.phrase_scores = icu_scores
b = run('ICU line breaker (ja@lw=phrase, zh, th) in place of BudouX, same costs')
for x in b[:12]: print('  icu', *x)
