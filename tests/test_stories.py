"""Stories composed from the timelines: chronologies (dated bullets in the stretch asked,
each happening once) and what is new since a date (hand-made inputs)."""
from datetime import date

from rag.answering.routed import MAX_ITEMS
from rag.answering.stories import chronology_answer
from rag.tracking.timeline import Event, TimelineEvent

from routed_kit import cite as _cite
from routed_kit import ev as _ev
from routed_kit import said as _said
from routed_kit import timeline as _tl


def test_a_chronology_is_dated_oldest_first_and_thinned_to_six_keeping_dated_events():
    events = [_ev(f"2024-{m:02d}-01", "stopped" if m % 2 else "resumed", f"a{m}:0",
                  source="article" if m in (2, 3) else "text") for m in range(1, 11)]
    ans = chronology_answer([_tl("zalora", events)], "en")
    lines = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert ans.intent == "chronology" and len(lines) == MAX_ITEMS
    assert lines[0].startswith("- 1 January 2024: ") and lines[-1].startswith("- 1 October 2024")
    assert not any("February" in ln or "March" in ln for ln in lines)  # article-dated only
    assert [c.marker for c in ans.citations] == list(range(1, MAX_ITEMS + 1))
    # Within a period only.
    ans = chronology_answer([_tl("zalora", events)], "en",
                            window=(date(2024, 4, 1), date(2024, 5, 31)))
    assert ans.answer.count("\n- ") == 2
    # A window open at one end runs to the other.
    ans = chronology_answer([_tl("zalora", events)], "en", window=(date(2024, 9, 1), None))
    assert ans.answer.count("\n- ") == 2 and "October" in ans.answer


def test_a_story_bounded_by_events_keeps_between_them_and_one_event_a_day():
    events = [_ev("2023-09-01", "announced", "a:0"), _ev("2023-10-04", "stopped", "b:0"),
              _ev("2023-12-11", "acquired", "c:0", source="article"),
              _ev("2023-12-11", "merged", "c2:0"), _ev("2023-12-12", "resumed", "d:0"),
              _ev("2024-06-01", "merged", "e:0")]
    ans = chronology_answer([_tl("zalora", events)], "id",
                            "Kronologi Zalora dari ditutup sampai buka lagi")
    lines = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert [ln.split(":")[0] for ln in lines] == ["- 4 Oktober 2023", "- 11 Desember 2023",
                                                 "- 12 Desember 2023"]
    # Of one day's events, the one its own sentence dates.
    assert "merged on 2023-12-11" in ans.answer and "acquired" not in ans.answer
    ans = chronology_answer([_tl("zalora", events)], "en", "What has happened since it reopened?")
    assert ans.answer.count("\n- ") == 2 and "June 2024" in ans.answer


def test_a_later_report_of_the_same_kind_of_event_dated_only_by_its_article_is_a_retelling():
    events = [_ev("2025-09-26", "fined", "a:0"), _ev("2025-09-29", "fined", "b:0", "article"),
              _ev("2025-10-30", "fined", "c:0", "article")]
    ans = chronology_answer([_tl("kppu", events)], "en")
    assert "29 September" not in ans.answer and ans.answer.count("\n- ") == 2


def test_a_report_in_the_month_a_text_gives_is_no_retelling_of_it():
    from rag.tracking.retellings import drop_retellings
    # a text that gives only the month ("sejak Desember 2023") is not before a report of
    # 11 December; a day before it, or an earlier month, is
    report = _ev("2023-12-11", "merged", "b:0", "article")
    for earlier, kept in ((_ev("2023-12-01", "merged", "a:0", "text-month"), True),
                          (_ev("2023-12-05", "merged", "a:0"), False),
                          (_ev("2023-11-01", "merged", "a:0", "text-month"), False),
                          (_ev("2023-01-01", "merged", "a:0", "text-year"), True)):
        shown = drop_retellings(_tl("tiktok-shop", [earlier, report]).events)
        assert (len(shown) == 2) is kept, (earlier.date, earlier.date_source)


def test_what_the_question_s_passages_tell_joins_the_timeline():
    told = [Event.of(_ev("2024-03-27", "announced", "t:0"))]
    ans = chronology_answer([_tl("zalora", [_ev("2024-01-01", "stopped", "a:0")])], "en",
                            told=told)
    assert ans.answer.count("\n- ") == 2 and "27 March 2024" in ans.answer


def test_two_subjects_tell_the_story_they_share():
    shared = [_ev("2024-02-01", "fined", "s1:0"), _ev("2024-05-01", "fined", "s2:0")]
    a = _tl("kppu", shared + [_ev("2023-01-01", "announced", "k:0")])
    b = _tl("zalora", shared + [_ev("2022-01-01", "stopped", "z:0")])
    ans = chronology_answer([a, b], "id")
    assert ans.answer.startswith("Kronologi Kppu / Zalora")
    assert ans.answer.count("\n- ") == 2 and "2022" not in ans.answer


def test_a_stretch_between_two_subjects_events_tells_both_subjects_events_in_it():
    # "between the rule being signed and the shop stopping": the signing is the rule's
    # event alone; what either did in between is the story, not only what both share
    shared = [_ev("2023-10-05", "announced", "s1:0"), _ev("2023-10-06", "announced", "s2:0")]
    rule = _tl("permendag-9-2023", shared + [_ev("2023-09-25", "enacted", "r1:0"),
                                             _ev("2023-09-26", "in_force", "r2:0")])
    shop = _tl("zalora", shared + [_ev("2023-10-03", "announced", "z1:0"),
                                   _ev("2023-10-04", "stopped", "z2:0"),
                                   _ev("2023-12-12", "resumed", "z3:0")])
    ans = chronology_answer([rule, shop], "en", "What happened between Permendag 9/2023 "
                            "being signed and Zalora stopping sales?")
    days = [ln.split(":")[0] for ln in ans.answer.splitlines()[1:]]
    assert days == ["- 25 September 2023", "- 26 September 2023", "- 3 October 2023",
                    "- 4 October 2023"], ans.answer


def test_a_shared_story_opens_with_what_its_events_were_for():
    def ev(day, type_, pid, text):
        return TimelineEvent(date=day, date_source="text", type=type_, summary=text,
                             citation=_cite(pid, 0, text, published=day))
    fine = [ev("2025-09-26", "fined", "s1:0", "The watchdog fined Zalora for notifying its "
               "acquisition of Lapak late."),
            ev("2025-09-29", "fined", "s2:0", "The fine on Zalora was read out on Monday.")]
    a = _tl("kppu", fine)
    b = _tl("zalora", fine + [ev("2023-12-11", "acquired", "z:0", "Zalora agreed to buy Lapak."),
                              ev("2024-01-31", "acquired", "z2:0", "Zalora closed the Lapak deal."),
                              ev("2022-01-01", "stopped", "z3:0", "Zalora closed a store.")])
    ans = chronology_answer([a, b], "en")
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert bullets[0].startswith("- 11 December 2023: Zalora agreed to buy Lapak."), ans.answer
    assert len(bullets) == 3 and "2022" not in ans.answer and "closed the Lapak" not in ans.answer


def test_what_s_new_is_spread_over_the_stretch_one_event_a_day_each_standing_alone():
    from rag.answering.stories import whats_new_answer
    quote = _ev("2025-07-15", "in_force", "q:0", source="article")
    quote.summary = '"Tarifnya sama dengan yang berlaku.'
    busy = [_ev(f"2025-09-{d:02d}", "announced", f"b{d}:0") for d in range(1, 5)]
    found = {"busy": [Event.of(e, "busy") for e in busy],
             "pmk": [Event.of(e, "pmk") for e in
                     (quote, _ev("2025-07-15", "enacted", "p:0", source="article"))]}
    ans = whats_new_answer(found, "2025-07-01", "en")
    lines = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert len(lines) == 5 and lines[0].startswith("- 15 July 2025: Event enacted")
    assert "Tarifnya" not in ans.answer  # the day's event told by a whole sentence
    # More than six: spread over the stretch, the first and the last kept.
    busy = [_ev(f"2025-{m:02d}-01", "announced", f"m{m}:0") for m in range(1, 11)]
    ans = whats_new_answer({"busy": [Event.of(e, "busy") for e in busy]}, "2025-01-01", "en")
    lines = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert len(lines) == MAX_ITEMS and "January" in lines[0] and "October" in lines[-1]


def test_a_stretch_bounded_by_a_happening_no_tracker_types_is_placed_by_the_sentence_telling_it():
    events = [_ev("2023-09-01", "announced", "a:0"), _ev("2023-10-04", "stopped", "b:0"),
              _ev("2023-12-12", "resumed", "c:0")]
    protest = _ev("2023-09-21", "", "p:0")
    protest.summary = "On September 21, traders at Pasar Baru protested against live selling."
    other = _ev("2023-09-26", "in_force", "r:0")  # about no subject, inside the stretch
    ans = chronology_answer([_tl("zalora", events)], "en",
                            "What happened between the Pasar Baru protest and the shutdown?",
                            dated=[Event.of(protest), Event.of(other)])
    days = [ln.split(":")[0][2:] for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert days == ["21 September 2023", "26 September 2023", "4 October 2023"]
    # open on one side, only the subjects' own events count
    ans = chronology_answer([_tl("zalora", events)], "en", "What happened since the shutdown?",
                            dated=[Event.of(other)])
    assert "26 September" not in ans.answer and "12 December 2023" in ans.answer


def test_one_happening_told_by_several_outlets_is_shown_once_by_its_best_dated_telling():
    from rag.retrieval.glossary import load_glossary

    events = [
        _said("2024-03-01", "acquired", "a:0", "Zalora agreed in March to take a 60.5% stake "
              "in Kedai for $300 million.", "text-month"),
        _said("2024-03-11", "announced", "b:0", "The deal, announced on Monday, March 11, "
              "gives Zalora 60.5% of Kedai for $300 million."),
        _said("2024-03-12", "planned", "c:0", "Lewat kesepakatan ini, Zalora akan memiliki "
              "60,5 persen saham Kedai senilai 300 juta dolar AS.", "article"),
        _said("2024-09-01", "fined", "d:0", "Pada September 2024 KPPU menjatuhkan denda Rp9 "
              "miliar kepada Zalora.", "text-month"),
        _said("2024-09-29", "acquired", "e:0", "KPPU menghukum Zalora membayar denda "
              "administratif sebesar Rp9 miliar atas pengambilalihan Kedai.", "article"),
        _said("2024-12-02", "layoffs", "f:0", "Kedai cut 200 jobs on Dec. 2, 2024."),
    ]
    ans = chronology_answer([_tl("zalora", events)], "en", glossary=load_glossary())
    lines = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    # the deal once, by the telling that gives its day; the fine once, by the report of
    # that day (an article's day inside the month another telling gives)
    assert [ln.split(":")[0] for ln in lines] == [
        "- 11 March 2024", "- 29 September 2024", "- 2 December 2024"]
    # without a glossary the figures alone still tell the retellings apart
    ans = chronology_answer([_tl("zalora", events)], "en")
    assert ans.answer.count("\n- ") == 3


def test_a_story_thinned_to_six_keeps_its_last_event_told_only_in_passing():
    # the end of a story is often dated only by its article: thinned evenly, it stays
    events = [_ev(f"2024-0{m}-1{m}", "merged", f"a{m}:0") for m in range(1, 5)] + [
        _ev(f"2024-0{m}-0{m}", "resumed", f"b{m}:0", source="article") for m in range(5, 10)]
    ans = chronology_answer([_tl("zalora", events)], "en")
    lines = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert len(lines) == MAX_ITEMS and lines[-1].startswith("- 9 September 2024")
    assert sum("merged" in ln for ln in lines) == 4  # every self-dated one


def test_a_bound_named_by_what_happened_is_placed_by_a_sentence_dating_it_itself():
    events = [_ev("2023-09-21", "stopped", "poster:0", source="article"),
              _ev("2023-10-04", "stopped", "a:0"), _ev("2023-12-12", "resumed", "b:0")]
    ans = chronology_answer([_tl("zalora", events)], "id", "Kronologi Zalora sejak ditutup")
    assert "21 September" not in ans.answer and "4 Oktober 2023" in ans.answer


def test_a_stretch_closed_by_a_name_runs_to_the_day_of_the_clause_naming_it():
    # "sampai jadi Belanja | Nusa": a sentence naming "Belanja" and, later, "Nusa" does not
    # place it; one naming "Belanja | Nusa" does, on the date of the clause that names it
    events = [_ev("2023-10-04", "stopped", "a:0"), _ev("2023-12-12", "resumed", "b:0"),
              _ev("2024-02-20", "", "c:0"), _ev("2024-06-15", "", "d:0")]
    words = _said("2023-11-01", "", "w:0", "On November 1, 2023, Belanja Raya and Nusa agreed "
                  "to talk about a deal.")
    named = _said("2023-12-12", "", "n:0", "The shop reopened on Dec. 12, 2023, and the "
                  "merged service, Belanja | Nusa, went live in March 2024.")
    ans = chronology_answer([_tl("zalora", events)], "id",
                            "Kronologi Zalora dari ditutup sampai jadi Belanja | Nusa",
                            dated=[Event.of(words), Event.of(named)])
    days = [ln.split(":")[0] for ln in ans.answer.splitlines()[1:]]
    assert "- 20 Februari 2024" in days and "- 15 Juni 2024" not in days, ans.answer


def test_a_stretch_closed_by_a_month_dated_event_runs_to_the_end_of_that_month():
    # "until the fine": the fine told "in September 2025" closes the story, and its
    # day-dated telling of the 29th is in it
    events = [_ev("2024-01-31", "acquired", "a:0"), _ev("2025-09-01", "fined", "b:0",
                                                        source="text-month"),
              _ev("2025-09-29", "fined", "c:0"), _ev("2025-10-06", "resumed", "d:0")]
    ans = chronology_answer([_tl("zalora", events)], "en", "The Zalora case up to the fine")
    days = [ln.split(":")[0] for ln in ans.answer.splitlines()[1:]]
    assert "- 29 September 2025" in days and "- 6 October 2025" not in days, ans.answer


def test_a_story_of_no_tracked_subject_is_what_its_passages_date_in_the_period_asked():
    dated = [Event.of(_said(day, "", f"{day}:0", f"Something happened on {day}."))
             for day in ("2023-11-02", "2024-03-10", "2024-05-17", "2025-01-07")]
    ans = chronology_answer([], "en", "How did the import rules change during 2024?",
                            window=(date(2024, 1, 1), date(2024, 12, 31)), told=dated,
                            dated=dated)
    assert ans.answer.splitlines()[0] == "Timeline as the sources tell it, oldest first:"
    assert [ln.split(":")[0] for ln in ans.answer.splitlines()[1:]] == [
        "- 10 March 2024", "- 17 May 2024"]


def test_a_regulation_comes_into_force_once_a_retrospective_is_no_new_entry_into_force():
    from rag.tracking.retellings import drop_retellings

    events = [_ev("2023-09-26", "in_force", "a:0"), _ev("2023-09-27", "in_force", "b:0"),
              # "took effect on Sept. 26", read in a piece a year on as 26 September 2024
              _ev("2024-09-26", "in_force", "c:0"), _ev("2024-09-26", "revised", "d:0")]
    kept = drop_retellings(_tl("permendag-12-2023", events).events)
    assert [(e.date, e.type) for e in kept] == [
        ("2023-09-26", "in_force"), ("2023-09-27", "in_force"), ("2024-09-26", "revised")]
    # a player's events of those kinds are not limited so
    assert len(drop_retellings(_tl("zalora", events).events)) == 4
