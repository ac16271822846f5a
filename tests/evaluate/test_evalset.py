"""Evaluation sets built from records, files and registered datasets; bad input fails clearly."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.evaluate.directions import CLIR_DIRECTIONS, Direction, parse_directions
from studio.evaluate.evalset import EvalSetError, from_file, from_records, load_evalset


def frame(**columns):
    return pd.DataFrame(columns)


def test_identical_passages_become_one_document_and_identical_queries_one_query():
    records = frame(id=["1", "2", "3"], query_ko=["질문1", "질문2", "질문1"], query_en=["q1", "q2", "q1"],
                    passage_ko=["문서A", "문서A", "문서B"], passage_en=["docA", "docA", "docB"])
    evalset = from_records(records, "dups")
    assert len(evalset.documents["ko"]) == 2 and len(evalset.documents["en"]) == 2
    assert evalset.n_queries == 2
    assert evalset.qrels == {"q0": {"d0": 1, "d1": 1}, "q1": {"d0": 1}}


def test_bitext_is_cross_lingual_with_query_prompts():
    evalset = from_records(frame(id=["1", "2"], ko=["안녕", "고마워"], en=["hello", "thanks"]), "bitext")
    assert evalset.directions == CLIR_DIRECTIONS and evalset.document_prompt == "query"
    with pytest.raises(EvalSetError, match="supports only ko-en, en-ko"):
        evalset.require(parse_directions("ko-ko"))


def test_missing_language_column_names_the_column_and_direction():
    evalset = from_records(frame(id=["1"], query_ko=["질문"], passage_ko=["문서"], passage_en=["doc"]), "ko-only")
    evalset.require([Direction.KO_KO, Direction.KO_EN])
    with pytest.raises(EvalSetError, match="no en queries .*query_en.*en-ko"):
        evalset.require([Direction.EN_KO])


def test_no_usable_columns_and_empty_split_fail_clearly():
    with pytest.raises(EvalSetError, match="none of the columns"):
        from_records(frame(id=["1"], question=["x"]), "odd")
    with pytest.raises(EvalSetError, match="'test' split of empty is empty"):
        from_records(frame(id=[], query_ko=[], passage_ko=[]), "empty")


def test_restrict_keeps_first_queries_and_their_documents(parallel_jsonl):
    evalset = from_file(parallel_jsonl)
    small = evalset.restrict(3)
    assert small.n_queries == 3 and small.limit == 3
    assert set(small.documents["en"]) == {d for docs in small.qrels.values() for d in docs}
    assert small.fingerprint() != evalset.fingerprint()
    with pytest.raises(EvalSetError):
        evalset.restrict(0)


def test_file_split_column_is_filtered(tmp_path):
    path = tmp_path / "s.jsonl"
    pd.DataFrame({"id": ["1", "2"], "query_ko": ["a", "b"], "passage_ko": ["x", "y"],
                  "split": ["train", "test"]}).to_json(path, orient="records", lines=True, force_ascii=False)
    assert from_file(path, "test").n_queries == 1
    with pytest.raises(EvalSetError, match="'dev' split"):
        from_file(path, "dev")


def test_registered_dataset_split(studio, parallel_jsonl):
    from studio.data import import_dataset

    import_dataset([parallel_jsonl], "mini", fmt="jsonl", kind="parallel", ratios="0.5,0,0.5", studio=studio)
    evalset = load_evalset("mini", "test", studio=studio)
    assert 0 < evalset.n_queries < 12 and evalset.dataset_id is not None
    with pytest.raises(EvalSetError, match="'dev' split of mini is empty"):
        load_evalset("mini", "dev", studio=studio)


def test_unknown_dataset_is_a_user_error(studio):
    from studio.errors import user_errors

    with pytest.raises(user_errors()):
        load_evalset("no/such-dataset", studio=studio)
