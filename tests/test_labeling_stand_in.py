"""The demo's stand-in labeller answers real pages from a truth file and leaves the same
append-only events a person's session would (who = stand-in); unknown objects are skipped."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from test_labeling_support import make_workspace

from emma_fs.labeling.stand_in import WHO, StandInPlan, label_with_truth


def test_stand_in_answers_search_then_active_pages_from_the_truth(tmp_path):
    ws, truth = make_workspace(tmp_path / "ws", n=300)
    asins = sorted(truth)
    unknown = set(asins[::7])  # the truth file does not know every object
    known = [a for a in asins if a not in unknown]
    truth_path = tmp_path / "truth.parquet"
    pq.write_table(pa.table({"asin": known, "sharp": [bool(truth[a]) for a in known]}),
                   truth_path)

    con = duckdb.connect(str(ws.duckdb_path))
    try:
        done = label_with_truth(ws, con, "sharp", truth_path,
                                StandInPlan("knife|pillow", search_pages=2, active_pages=2,
                                            page_size=10))
        events = con.execute(
            "SELECT asin, label, mode, who, probability_shown FROM label_events "
            "WHERE property = 'sharp' ORDER BY event_id").fetchall()
        keyword_features = con.execute(
            "SELECT count(*) FROM label_feature_defs WHERE property = 'sharp'").fetchone()[0]
    finally:
        con.close()

    assert done["who"] == WHO and done["search_pages"] == 2 and done["active_pages"] == 2
    answered = sum(done[f"{m}_{k}"] for m in ("search", "active")
                   for k in ("positive", "negative", "skip"))
    assert answered == len(events) == 40  # every answer is one event, nothing else is
    assert {e[3] for e in events} == {WHO}
    assert [e[2] for e in events] == ["search"] * 20 + ["active"] * 20
    for asin, label, _, _, _ in events:  # answers are the truth; unknown objects skipped
        assert label == ("skip" if asin in unknown else str(truth[asin])), asin
    assert all(e[4] is not None for e in events if e[2] == "active")  # probability shown
    assert done["search_positive"] > 0 and done["search_negative"] > 0  # both classes seeded
    assert keyword_features > 0  # the paper's keyword features were added first
