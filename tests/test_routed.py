"""Composing analyst answers from the tracker's structured layer (hand-made inputs): what
the passages add, one bullet per thing said, rules and the asker's situation."""
from rag.answering.routed import with_passages
from rag.answering.stories import chronology_answer
from rag.types import Answer

from routed_kit import cite as _cite
from routed_kit import ev as _ev
from routed_kit import timeline as _tl


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


def test_the_effect_of_something_beyond_the_rule_is_told_by_what_says_it():
    from rag.answering.rules import impact_answer
    from rag.retrieval.glossary import load_glossary
    from rag.tracking.impact import Impact, StakeholderImpact, Statement

    def st(i, text):
        return Statement(kind="effect", text=text, citation=_cite(f"a{i}:0", 0, text))
    importers = [st(0, "Importers must now obtain an import approval before goods arrive."),
                 st(1, "The container backlog left importers paying daily storage fees.")]
    platforms = [st(2, "Platforms may no longer act as producers of the goods they sell.")]
    imp = Impact(regulation="permendag-9-2025", obligations=[], stakeholders=[
        StakeholderImpact(group="importers", statements=importers),
        StakeholderImpact(group="platforms", statements=platforms)])
    glossary = load_glossary()
    # asked of the rule: every group it hits
    ans = impact_answer(imp, "Permendag 9/2025", "en", [],
                        "Who does Permendag 9/2025 affect?", glossary)
    assert "Platforms may no longer" in ans.answer and "Importers must" in ans.answer
    assert ans.answer.startswith("Who Permendag 9/2025 affects, according to the sources: "
                                 "Importers / imported goods, Platforms."), ans.answer
    # asked of the backlog it caused: what is said of the backlog, of the group asked about
    ans = impact_answer(imp, "Permendag 9/2025", "en", ["importers"],
                        "What did the container backlog under Permendag 9/2025 mean for "
                        "importers?", glossary)
    bullets = [ln for ln in ans.answer.splitlines() if ln.startswith("- ")]
    assert len(bullets) == 1 and "storage fees" in bullets[0], ans.answer
    # the lead introduces what is said of the group asked about, not a list of that group
    assert ans.answer.startswith("How Permendag 9/2025 affects Importers / imported goods, "
                                 "according to the sources:\n- "), ans.answer
    # asked of something no statement of the rule speaks of: not answered from the rule
    assert impact_answer(imp, "Permendag 9/2025", "en", ["importers"],
                         "How did the dock strike under Permendag 9/2025 hit importers?",
                         glossary) is None
    # the players the question names are no topic of their own
    assert impact_answer(imp, "Permendag 9/2025", "en", ["importers"],
                         "How does Permendag 9/2025 affect Acme's importers?",
                         glossary, names=["Acme"]) is not None


def test_the_askers_own_group_is_what_they_say_of_themselves_first():
    from rag.answering.rules import groups_asked
    # they run an app (a platform) whose users sell
    assert groups_asked("We run a social media app with a shopping tab. What do we have to "
                        "do to keep selling in Indonesia?", own=True)[0] == "platforms"
    assert groups_asked("Saya jualan baju lewat aplikasi TikTok, harus bagaimana?",
                        own=True)[0] == "sellers"
    assert groups_asked("Dampaknya bagi UMKM apa?") == ["sellers"]
    # the makers of goods at home and the staff of the firms are groups of their own
    assert groups_asked("Dampaknya ke importir sama pabrik apa aja?") == ["importers",
                                                                           "industry"]
    assert groups_asked("How were employees affected?") == ["workers"]


def test_what_applies_now_puts_an_amendment_before_the_rule_it_amends():
    from rag.answering.rules import newer_first
    from rag.tracking.registry import Relation, RegulationRecord

    def reg(rid, **rel):
        return RegulationRecord(id=rid, type="permendag", number=1, year=2024,
                                relations=[Relation(type=t, target=x) for t, x in rel.items()])
    old, other = reg("permendag-36-2023"), reg("pmk-37-2025")
    amending = reg("permendag-8-2024", amends="permendag-36-2023")
    got = newer_first([old, other, amending])
    assert [r.id for r in got] == ["permendag-8-2024", "permendag-36-2023", "pmk-37-2025"]
    assert newer_first([other, old]) == [other, old]  # no relation: the order stays


def test_a_bullet_calling_a_regulation_the_rule_names_the_one_its_passage_meant():
    from rag.answering.routed import Item, compose
    quote = ("Peraturan Menteri Perdagangan Nomor 36 Tahun 2023 berlaku Maret 2024. "
             "Aturan itu menggeser pengawasan barang impor ke perbatasan.")
    at = quote.index("Aturan itu")
    said = quote[at:]
    # the passage starts 100 characters into its article; the bullet's span is the article's
    item = Item(said, _cite("p:1", 100, quote), (100 + at, 100 + len(quote)))
    ans = compose("Lead:", [item], "id", "obligations")
    assert ans.answer.splitlines()[1] == (
        "- Aturan itu [Permendag 36/2023] menggeser pengawasan barang impor ke perbatasan. [1]")
