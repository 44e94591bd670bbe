"""Composing analyst answers from the tracker's structured layer (hand-made inputs)."""
from datetime import date

from rag.answering.routed import MAX_ITEMS, with_passages
from rag.answering.stories import chronology_answer
from rag.tracking.timeline import Event, Line, TimelineEvent
from rag.types import Answer, Citation


def _cite(pid, start=0, text="x", published="2024-01-01", marker=0):
    return Citation(marker=marker, passage_id=pid, article_id=pid.split(":")[0], title="T",
                    outlet="O", url="https://o.example", published=published, quote=text,
                    start=start, end=start + len(text), score=0.9,
                    highlights=[(start, start + len(text))])


def _ev(day, type_, pid, source="text", start=0):
    text = f"Event {type_} on {day}."
    return TimelineEvent(date=day, date_source=source, type=type_, summary=text,
                         citation=_cite(pid, start, text, published=day))


def _tl(subject, events):
    return Line(subject, subject.title(), [Event.of(e, subject) for e in events])


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
    from rag.tracking.timeline import _drop_retellings
    # a text that gives only the month ("sejak Desember 2023") is not before a report of
    # 11 December; a day before it, or an earlier month, is
    report = _ev("2023-12-11", "merged", "b:0", "article")
    for earlier, kept in ((_ev("2023-12-01", "merged", "a:0", "text-month"), True),
                          (_ev("2023-12-05", "merged", "a:0"), False),
                          (_ev("2023-11-01", "merged", "a:0", "text-month"), False),
                          (_ev("2023-01-01", "merged", "a:0", "text-year"), True)):
        shown = _drop_retellings(_tl("tiktok-shop", [earlier, report]).events)
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


def test_what_the_passages_add_follows_with_markers_renumbered():
    routed = Answer(answer="Lead:\n- One. [1]", found=True, as_of="2024-01-01", language="en",
                    mode="tracker", intent="impact",
                    citations=[_cite("a:0", marker=1)])
    extra = Answer(answer="Two. [1] Three. [2]\n\nAs of 2025-01-01.", found=True,
                   as_of="2025-01-01", language="en", mode="extractive",
                   citations=[_cite("b:0", 5, marker=1, published="2025-01-01"),
                              _cite("a:0", 9, marker=2)])
    out = with_passages(routed, extra)
    assert out.answer == "Lead:\n- One. [1]\n\nFrom related reporting: Two. [2] Three. [1]"
    assert [c.passage_id for c in out.citations] == ["a:0", "b:0"]
    assert out.citations[0].highlights == [(0, 1), (9, 10)] and out.as_of == "2025-01-01"
    # Nothing found, or nothing new: the routed answer as it is.
    nothing = extra.model_copy(update={"found": False})
    assert with_passages(routed, nothing) is routed
    same = extra.model_copy(update={"answer": "One. [1]"})
    assert with_passages(routed, same) is routed
    # Only what the bullets do not say yet is added, with the citations it uses.
    part = extra.model_copy(update={"answer": "One. [2] Two. [1]"})
    out = with_passages(routed, part)
    assert out.answer.endswith("From related reporting: Two. [2]")
    assert [c.passage_id for c in out.citations] == ["a:0", "b:0"]


def test_a_quote_cut_at_a_sentence_break_is_no_bullet_when_others_remain():
    cut = _ev("2024-01-01", "announced", "q:0")
    cut.summary = '"Tarifnya sama dengan yang berlaku.'
    ok = _ev("2024-02-01", "fined", "f:0")
    ans = chronology_answer([_tl("zalora", [cut, ok])], "en")
    assert "Tarifnya" not in ans.answer and ans.answer.count("\n- ") == 1


def test_statements_that_say_the_same_are_one_bullet_in_the_question_s_language():
    from rag.answering.routed import Item, compose
    from rag.retrieval.glossary import load_glossary

    def bullets(texts, kind, lang):
        items = [Item(t, _cite(f"p{i}:0", 0, t), (0, len(t)), kind=kind)
                 for i, t in enumerate(texts)]
        return compose("Lead:", items, lang, "obligations", load_glossary()).answer.splitlines()[1:]
    texts = ["Bukalapak said it would stop selling goods, and since mid-2025 marketplaces have "
             "been required to collect income tax from merchants.",
             "Marketplaces are required to collect income tax from merchants who sell on them.",
             "Lokapasar wajib memungut pajak penghasilan dari pedagang yang berjualan.",
             "Platform dilarang menjual produk buatannya sendiri."]
    assert bullets(texts, "obligation", "en") == [f"- {texts[1]} [1]", f"- {texts[3]} [2]"]
    # what one states and the other denies or exempts from is two facts, not one
    texts = ["Pungutan ini berlaku bagi pedagang dengan omzet tahunan antara Rp500 juta "
             "hingga Rp4,8 miliar.",
             "Pedagang dengan omzet di bawah Rp500 juta per tahun tidak dikenai pungutan."]
    assert bullets(texts, "scope", "id") == [f"- {texts[0]} [1]", f"- {texts[1]} [2]"]


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


def test_a_definition_asks_what_a_regulation_is_only_when_it_names_nothing_else():
    from rag.answering.rules import asks_what_it_is
    assert asks_what_it_is("Apa itu PP 80/2019?")
    assert asks_what_it_is("Permendag 8/2024 itu aturan apa?")
    assert not asks_what_it_is("What is the positive list in Permendag 31/2023?")
    assert not asks_what_it_is("How does Permendag 31/2023 define social commerce?")


def test_the_asker_s_rules_open_with_the_regulation_that_fits_the_question_best():
    from rag.answering.rules import stakeholder_answer
    from rag.tracking.impact import Impact, Statement

    def impact(reg, text):
        return Impact(regulation=reg, stakeholders=[], obligations=[Statement(
            kind="obligation", text=text, stakeholders=["platforms"],
            citation=_cite(f"{reg}:0", 0, text))])
    tax = impact("pmk-1-2025", "Platforms must withhold a levy on every sale.")
    social = impact("permendag-2-2025", "Social media apps must not process payments.")
    ans = stakeholder_answer([], [tax, social], ["platforms"], "en",
                             "I run a social media app with a shopping feature. What must we do?")
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert bullets[0].startswith("- Social media apps") and len(bullets) == 2
    # what the group was told to do comes before the regulations' rules
    told = Statement(kind="obligation", text="Sellers were asked to finish open orders.",
                     stakeholders=["sellers"], citation=_cite("b:0", 0, "x"))
    ans = stakeholder_answer([], [tax], ["sellers"], "en", "I sell there. What now?",
                             told=[told])
    assert ans.answer.splitlines()[1].startswith("- Sellers were asked to finish open orders.")


def test_the_asker_s_rules_keep_to_what_the_question_is_about():
    from rag.answering.rules import stakeholder_answer, topic_terms
    from rag.retrieval.glossary import load_glossary
    from rag.tracking.impact import Impact, Statement

    def impact(reg, *said):
        return Impact(regulation=reg, stakeholders=[], obligations=[Statement(
            kind=kind, text=text, stakeholders=groups, citation=_cite(f"{reg}:{i}", 0, text))
            for i, (kind, text, groups) in enumerate(said)])
    tax = impact("pmk-1-2025",
                 ("obligation", "Marketplaces must collect income tax from merchants.",
                  ["platforms", "sellers"]),
                 ("threshold", "Each seller must declare a turnover of at least Rp500 million.",
                  ["sellers"]),
                 ("threshold", "The rate is at least 0.5% of each sale.", []),
                 ("obligation", "Consumers must keep their receipts.", ["consumers"]))
    licence = impact("pp-2-2019", ("obligation", "Sellers must hold a business licence.",
                                   ["sellers"]))
    glossary = load_glossary()
    question = "Saya jualan di Kedai Jaya. Kewajiban pajak apa yang berlaku buat saya?"
    assert "pajak" in topic_terms(question, ["Kedai Jaya"], glossary)
    assert not topic_terms("I sell on Kedai Jaya. Which rules apply to me now?",
                           ["Kedai Jaya"], glossary)
    ans = stakeholder_answer([], [licence, tax], ["sellers"], "id", question, glossary,
                             names=["Kedai Jaya"])
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert not any("business licence" in b for b in bullets), ans.answer  # not about tax
    assert any("0.5%" in b for b in bullets), ans.answer  # names no group: kept
    assert not any("Consumers" in b for b in bullets), ans.answer  # another group's
    # asked nothing in particular, every regulation in play takes its turn
    ans = stakeholder_answer([], [licence, tax], ["sellers"], "en",
                             "I sell on Kedai Jaya. What applies to me now?", glossary,
                             names=["Kedai Jaya"])
    assert "business licence" in ans.answer and "income tax" in ans.answer, ans.answer
    # a marketplace's compliance officer gets whom the rule covers, not sellers' own duties
    levy = impact("pmk-1-2025",
                  ("obligation", "Marketplaces must withhold 0.5% of each sale.", ["platforms"]),
                  ("scope", "The levy applies to merchants with a turnover between Rp500 "
                            "million and Rp4.8 billion.", ["sellers"]),
                  ("obligation", "Merchants must keep their sales records.", ["sellers"]))
    ans = stakeholder_answer([], [levy], ["platforms"], "en",
                             "Our marketplace: which tax duties apply to us now?", glossary)
    assert "withhold 0.5%" in ans.answer and "Rp4.8 billion" in ans.answer, ans.answer
    assert "sales records" not in ans.answer, ans.answer


def test_rules_open_with_the_statement_that_says_most_of_the_question():
    from rag.answering.rules import rules_answer
    from rag.retrieval.glossary import load_glossary
    from rag.tracking.impact import Impact, Statement

    texts = [("scope", "The rule applies to every platform."),
             ("prohibition", "Social media may not process payments."),
             ("prohibition", "It barred social media from payments and set a floor for goods "
                             "sold directly from abroad."),
             ("threshold", "Each item must be worth at least USD 100.")]
    imp = Impact(regulation="permendag-2-2025", stakeholders=[], obligations=[
        Statement(kind=k, text=t, citation=_cite(f"a{i}:0", 0, t)) for i, (k, t) in
        enumerate(texts)])
    g = load_glossary()
    ans = rules_answer(imp, "Permendag 2/2025", "en", question="What about goods sold "
                       "directly from abroad?", glossary=g)
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    # the fullest fit leads and stands for the plainer ban it repeats; then each kind's best
    assert bullets[0].startswith("- It barred social media") and len(bullets) == 3
    assert {b[2:6] for b in bullets[1:]} == {"The ", "Each"}
    ans = rules_answer(imp, "Permendag 2/2025", "en", question="What does it regulate?",
                       glossary=g)
    assert ans.answer.splitlines()[1].startswith("- The rule applies")  # asked nothing: scope


def test_the_rule_s_own_name_and_the_word_rule_say_nothing_of_what_is_asked():
    from rag.answering.rules import rules_answer
    from rag.retrieval.glossary import load_glossary
    from rag.tracking.impact import Impact, Statement

    texts = [("prohibition", "Under the new rule, Peraturan Menteri Perdagangan Nomor 2 Tahun "
                             "2025, social media may not process payments."),
             ("prohibition", "Marketplaces may not act as producers.")]
    imp = Impact(regulation="permendag-2-2025", stakeholders=[], obligations=[
        Statement(kind=k, text=t, citation=_cite(f"a{i}:0", 0, t)) for i, (k, t) in
        enumerate(texts)])
    ans = rules_answer(imp, "Permendag 2/2025", "en", question="Can a marketplace act as a "
                       "producer under the 2025 trade rule?", glossary=load_glossary())
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    # "2025", "Perdagangan" (trade) and "rule" name the regulation, not what it says
    assert bullets[0].startswith("- Marketplaces may not act"), ans.answer


def test_the_statement_whose_range_holds_the_asker_s_amount_comes_first():
    from rag.answering.rules import stakeholder_answer
    from rag.retrieval.glossary import load_glossary
    from rag.tracking.impact import Impact, Statement

    texts = [("obligation", "Marketplaces must collect a 0.5% income tax from their merchants "
                            "on every sale.", ["platforms", "sellers"]),
             ("scope", "The levy applies to merchants with a turnover between Rp500 million "
                       "and Rp4.8 billion.", ["sellers"]),
             ("scope", "Merchants with a turnover below Rp500 million only file a "
                           "statement.", ["sellers"])]
    levy = Impact(regulation="pmk-1-2025", stakeholders=[], obligations=[
        Statement(kind=k, text=t, stakeholders=g, citation=_cite(f"a{i}:0", 0, t))
        for i, (k, t, g) in enumerate(texts)])
    glossary = load_glossary()
    for amount, lead in (("Rp200 juta", "- Merchants with a turnover below"),
                         ("Rp1 miliar", "- The levy applies")):
        ans = stakeholder_answer([], [levy], ["sellers"], "id",
                                 f"Omzet saya {amount} setahun, kena pajak marketplace nggak?",
                                 glossary)
        bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
        assert bullets[0].startswith(lead), ans.answer


def test_sanctions_open_with_the_statement_that_names_what_they_are():
    from rag.answering.rules import rules_answer
    from rag.tracking.impact import Impact, Statement

    texts = [("The minister will not hesitate to sanction platforms that defy the rule.",
              ["platforms"]),
             ("Platforms that defy it will first get a warning letter.", ["platforms"]),
             ("Sanctions range from written warnings to revocation of the business licence.", [])]
    imp = Impact(regulation="permendag-2-2025", stakeholders=[], obligations=[
        Statement(kind="sanction", text=t, stakeholders=g, citation=_cite(f"a{i}:0", 0, t))
        for i, (t, g) in enumerate(texts)])
    ans = rules_answer(imp, "Permendag 2/2025", "en", sanctions=True, groups=["platforms"],
                       question="What sanctions do platforms that break Permendag 2/2025 face?")
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert bullets[0].startswith("- Sanctions range from written warnings"), ans.answer
    assert bullets[-1].startswith("- The minister will not hesitate"), ans.answer


def _said(day, type_, pid, text, source="text"):
    return TimelineEvent(date=day, date_source=source, type=type_, summary=text,
                         citation=_cite(pid, 0, text, published=day))


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
    from rag.tracking.timeline import _drop_retellings

    events = [_ev("2023-09-26", "in_force", "a:0"), _ev("2023-09-27", "in_force", "b:0"),
              # "took effect on Sept. 26", read in a piece a year on as 26 September 2024
              _ev("2024-09-26", "in_force", "c:0"), _ev("2024-09-26", "revised", "d:0")]
    kept = _drop_retellings(_tl("permendag-12-2023", events).events)
    assert [(e.date, e.type) for e in kept] == [
        ("2023-09-26", "in_force"), ("2023-09-27", "in_force"), ("2024-09-26", "revised")]
    # a player's events of those kinds are not limited so
    assert len(_drop_retellings(_tl("zalora", events).events)) == 4
