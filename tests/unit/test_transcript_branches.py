"""The branch rule (contract/transcript.py's `branch`): replacing a turn cuts the transcript there and
keeps what was cut as the replaced version, with the turns that followed it."""

from __future__ import annotations

from contract.transcript import Branch, TranscriptMessage, branch


def turn(task_id: str, question: str, answer: str) -> list[TranscriptMessage]:
    return [
        TranscriptMessage(role="user", text=question, task_id=task_id, created_at=1),
        TranscriptMessage(role="assistant", text=answer, task_id=task_id, created_at=2, status="completed"),
    ]


def three_turns() -> list[TranscriptMessage]:
    return turn("t1", "q1", "a1") + turn("t2", "q2", "a2") + turn("t3", "q3", "a3")


def test_editing_the_first_turn_cuts_there_and_keeps_the_later_turns_under_the_old_version():
    found = branch(three_turns(), "t1")
    assert found.cut == 0
    [old] = found.versions
    assert (old.question, old.answer.text) == ("q1", "a1")
    assert [(m.role, m.text) for m in old.tail] == [
        ("user", "q2"),
        ("assistant", "a2"),
        ("user", "q3"),
        ("assistant", "a3"),
    ]


def test_replacing_the_last_turn_keeps_a_version_with_an_empty_tail():
    found = branch(three_turns(), "t3")
    assert found.cut == 4
    assert [(v.answer.text, v.tail) for v in found.versions] == [("a3", [])]


def test_the_replaced_answers_earlier_versions_come_first_and_keep_their_own_tails():
    first = branch(three_turns(), "t1")
    edited = turn("t4", "q1 edited", "a4")
    edited[1] = edited[1].model_copy(update={"versions": first.versions})
    again = branch(edited, "t4")
    assert [v.answer.task_id for v in again.versions] == ["t1", "t4"]
    assert [m.text for m in again.versions[0].tail] == ["q2", "a2", "q3", "a3"]
    assert again.versions[1].tail == [] and not again.versions[1].answer.versions


def test_a_later_turns_own_versions_travel_with_it_in_the_tail():
    messages = three_turns()
    older = branch(messages, "t2").versions
    messages[3] = messages[3].model_copy(update={"versions": older})
    [old] = branch(messages, "t1").versions
    assert [v.answer.text for v in old.tail[1].versions] == ["a2"]
    assert [m.text for m in old.tail[1].versions[0].tail] == ["q3", "a3"]


def test_unreadable_entries_are_left_out_of_the_tail():
    messages: list[TranscriptMessage | None] = [*three_turns()]
    messages[3] = None
    [old] = branch(messages, "t1").versions
    assert [m.text for m in old.tail] == ["q2", "q3", "a3"]


def test_a_turn_no_longer_in_the_transcript_appends_at_the_end():
    assert branch(three_turns(), "gone") == Branch(cut=-1, versions=[])
    assert branch(three_turns(), "") == Branch()


def test_a_question_without_its_answer_is_cut_with_no_version():
    assert branch(three_turns()[:5], "t3") == Branch(cut=4, versions=[])
