"""What kind of answer a question wants: its intent, in Indonesian and English.

The intent decides where the answer comes from (rag.service): the tracker's structured
layer for a regulation's relations ("what replaced X", "is X still in force"), impact ("who
is affected"), rules ("what does X require / prohibit"), sanctions ("what happens to those
who break X"), and a subject's chronology ("kronologi", "timeline"); the passages' best
sentences for facts and definitions; the timeline's newest events for status. Patterns
name the *kind* of question, never a subject: they hold for any regulation or player.
"""
from __future__ import annotations

import re


#: The words that only say "a rule" ("aturan baru apa sejak 2025?", "which new regulations",
#: "under the rule"): a question about rules asks for the regulations' news, not the
#: players'; a statement says them of whichever rule it states.
ASKS_RULES = re.compile(
    r"\b(?:aturan\w*|peraturan|regulasi|beleid|rules?|regulations?|laws?)\b", re.I)
#: "di pasar dan aturan", "rules and the market": rules named beside something else.
_RULES_AND = re.compile(
    r"\b[\w-]+\s+(?:dan|and|serta|&)\s+(?:aturan\w*|peraturan|regulasi|rules?|regulations?)\b|"
    r"\b(?:aturan\w*|peraturan|regulasi|rules?|regulations?)\s+(?:dan|and|serta|&)\s+\w", re.I)


def asks_only_rules(question: str) -> bool:
    """Whether a question asks about rules alone ("aturan baru apa sejak 2025?"), not
    about rules and something else ("perkembangan di pasar dan aturan lokapasar")."""
    return bool(ASKS_RULES.search(question)) and not _RULES_AND.search(question)


#: Questions that ask for a date / an amount: their answer must hold one.
ASKS_DATE = re.compile(
    r"\b(kapan|tanggal|when|what date|sejak kapan|which day|what day|(tahun|bulan|hari|jam|"
    r"pukul) (berapa|apa)|"
    r"(in )?(what|which) ((exact|precise|specific) )?(date|day|year|month|time)|"
    r"(what|which) (was|is|were) the (\w+ )?(date|day|year|month|time))\b", re.I)
_WH_BEFORE = re.compile(r"\b(?:who|whom|whose|what|which|how|why|where)\b", re.I)
#: Joined on after what comes before ("..., and when ...", "dan"): a question of its own.
_JOINED_ASK = re.compile(r"(?:\b(?:and|or|dan|atau)|,)\s*$", re.I)


def asks_date(question: str) -> bool:
    """Whether a question asks for a date. "When" after another question word joins a clause
    ("Who was affected when TikTok Shop stopped?", "What happened to sellers when ...?"):
    it asks for a date only first or joined on ("Why, and when, did it close?")."""
    for m in ASKS_DATE.finditer(question):
        before = question[:m.start()]
        if (m.group(0).lower() != "when" or not _WH_BEFORE.search(before)
                or _JOINED_ASK.search(before)):
            return True
    return False


#: "Kapan denda itu harus dibayar?", "by when", "how fast must it report": a deadline
#: answers as well as a date ("dalam 30 hari setelah putusan").
ASKS_DEADLINE = re.compile(
    r"\b(kapan|when)\b[^?]{0,40}\b(harus|wajib|mesti|must|have to|has to|need to|needs to)\b|"
    r"\b(harus|wajib|mesti)\b[^?]{0,40}\bkapan\b|"
    r"\bby when\b|\bhow (fast|soon|quickly)\b|\bpaling lambat kapan\b", re.I)


#: "Jam berapa", "what time": a clock time is asked for (a kind of date, not a number).
ASKS_CLOCK = re.compile(r"\b((jam|pukul) berapa|what time|at what hour|"
                        r"what (was|is) the (\w+ )?time)\b", re.I)
#: "Tanggal berapa", "what date", "which day": a day is asked for, not a year or a season.
ASKS_DAY = re.compile(
    r"\b(tanggal|hari apa|(which|what) ((exact|precise|specific) )?(date|day))\b", re.I)
#: "How long", "berapa lama", "berapa hari": a duration is asked for, which a count or an
#: amount does not give ("30 hari kerja" does, "Rp15 miliar" does not).
ASKS_DURATION = re.compile(
    r"\b(how long|berapa lama|berapa (detik|menit|jam|hari|pekan|minggu|bulan|tahun|dekade)|"
    r"how many (seconds|minutes|hours|days|weeks|months|years|decades))\b", re.I)
#: "How much did it pay", "berapa harga": asked for an amount of money, which a percentage or
#: a count does not answer.
ASKS_MONEY = re.compile(
    r"\b(pay|pays|paid|paying|cost|costs|price|priced|worth|spend|spent|fine|fined|"
    r"bayar|membayar|dibayar|dibayarkan|harga|denda|didenda|mendenda)\b", re.I)
#: "What share of the price", "berapa persen": a proportion, not an amount of money.
ASKS_SHARE = re.compile(
    r"\b(share|percentage|proportion|fraction|persen|persentase|porsi|proporsi)\b", re.I)
#: Questions answered by a name: a person, a company, an agency, a place.
_ROLES_EN = (r"minister|ministers|official|officials|company|companies|firm|firms|agency|"
             r"agencies|regulator|consultant|analyst|economist|executive|platform|platforms|"
             r"port|ports|bank|exchange|city|cities|country|person|people|group|association|"
             r"players?|ministry|body|court")
#: A minister by the Indonesian short title: "Mendag", "Menkeu", "Menkominfo".
_MINISTER_TITLES = (r"menko\w*|mendag|menkeu|menkominfo|menkop\w*|menperin|menkumham|menlu|"
                    r"menhan|menkes|mendikbud\w*|menaker|menhub|menpan\w*|menparekraf|mentan")
_ROLES_ID = (r"menteri|perusahaan|lembaga|pelabuhan|platform|konsultan|pengamat|bursa|kota|"
             rf"asosiasi|pejabat|{_MINISTER_TITLES}")
ASKS_NAME = re.compile(
    rf"\b(siapa|who|whom|(which|what|whose)\s+([\w-]+\s+){{0,3}}?({_ROLES_EN})|"
    rf"({_ROLES_ID})\s+(apa|mana))\b", re.I)
#: Roles that only a person fills: "which minister", "siapa pejabat ...", "according to
#: analyst X". Such a question asks about someone, which the tracker's lists (who is
#: affected, what the sanctions are) do not name.
_PERSON_ROLES = (r"minister|ministers|official|officials|consultant|analyst|economist|"
                 r"executive|spokesperson|spokesman|menteri|pejabat|konsultan|pengamat|"
                 rf"ekonom|juru bicara|{_MINISTER_TITLES}")
ASKS_PERSON = re.compile(
    rf"\b((siapa|who|whom|which|what|whose)\s+([\w'’-]+\s+){{0,3}}?({_PERSON_ROLES})|"
    rf"({_PERSON_ROLES})\s+(siapa|mana)|(according to|menurut)\s+({_PERSON_ROLES})|"
    r"what did .{2,60}\b(say|tell|warn|promise)|apa kata)\b|"
    # "Menkominfo yang mengancam ... itu siapa?": the role opens, "siapa" closes
    rf"^\W*({_PERSON_ROLES})\b.*\bsiapa\W*$", re.I)
#: "Siapa menteri perdagangan ...", "who is Indonesia's trade minister", "Menkominfo yang
#: ... itu siapa?": the role a who question names (group 1 or 2).
WHO_ROLE = re.compile(
    rf"\b(?:siapa|who\s+(?:is|was|are|were)(?:\s+the)?)\s+(?:[\w'’-]+\s+){{0,2}}?"
    rf"({_ROLES_EN}|{_ROLES_ID})\b|^\W*({_ROLES_EN}|{_ROLES_ID})\b(?=.*\bsiapa\W*$)", re.I)
#: "Which system do ...", "what four areas did ...", "produk apa", "peraturan apa saja": the
#: noun a which/what question (or an Indonesian "X apa / X mana") asks for; a sentence that
#: says it is of the kind of answer asked ("through the Online Single Submission system").
_AUX = (r"(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|must|may|"
        r"[a-z]+ed)")
ASKS_HEAD = re.compile(
    rf"\b(?:which\s+(?:[\w-]+\s+){{0,3}}?([a-z][\w-]+)(?=\s+{_AUX}\b)|"
    rf"what\s+(?:[\w-]+\s+){{0,3}}?([a-z][\w-]+)(?=\s+(?:do|does|did|is|are|was|were|has|"
    r"have|had|can|could|will|would|should|must|may)\b)|"
    r"([a-z][\w-]+)\s+(?:apa|mana)\b(?!\s+(?:itu|ini)\b))", re.I)


#: Indonesian puts the noun asked for first and the question word last: "Regulasi yang jadi
#: acuan saat ini apa?", "Platform yang paling terdampak mana saja?".
_FRONTED_HEAD = re.compile(
    r"^\W*([a-z][\w-]+)(?:\s+[\w-]+){0,3}?\s+yang\s[^?,.;]*?\b(?:apa|mana)\b"
    r"(?:\s+(?:saja|aja|sih|ya))?\s*(?:[?,.;]|$)", re.I)


def asked_head(question: str) -> str | None:
    """The noun a which/what question asks for ("which income tax article" -> "article",
    "Regulasi yang jadi acuan apa?" -> "regulasi"), lower-cased; None when it asks for
    none ("What exactly did it loosen?")."""
    m = ASKS_HEAD.search(question)
    if m and (m.group(1) or m.group(2)):
        head = (m.group(1) or m.group(2)).lower()
        return None if ASKS_EXACT.fullmatch(head) else head
    fronted = _FRONTED_HEAD.search(question)
    if fronted and fronted.group(1)[1:].islower():  # a common noun, not "TikTok yang ..."
        return fronted.group(1).lower()
    if m and m.group(3).lower() not in _NOT_HEADS:
        return m.group(3).lower()
    return None


#: "Which products are on the list?", "Barang apa saja yang masuk daftar ...?": the question
#: asks for the members of a set; a sentence that names none of them does not answer it.
ASKS_MEMBERS = re.compile(
    r"\b(?:which|what)\s+(?:[\w-]+\s+){0,3}?(?:are|is|were|was)\s+(?:(?:on|in)\s+(?:the|a|its|"
    r"this|that)\s+(?:[\w/-]+\s+){0,4}?list|included|listed)\b|"
    r"\bapa\s+(?:saja|aja)\s+yang\s+(?:masuk|termasuk|tercantum|terdaftar)\b", re.I)
#: "Exactly how many", "jumlah pasti", "apa aja persisnya", "which specific": the question
#: insists on the precise figure or the items themselves.
ASKS_EXACT = re.compile(r"\b(exact(ly)?|precise(ly)?|specific(ally)?|spesifik|pasti(nya)?|"
                        r"persis(nya)?|tepatnya)\b", re.I)

#: A clause that sets the scene of what is asked ("... once the shop shut at 5 p.m.",
#: "... when he had to leave Bukalapak", "the meeting where ...", "... setelah digabung",
#: "Setelah Permendag 31/2023, ..."): a conjunction of time or place and what follows it, to
#: a comma or the end. Not a second question ("and when did it take effect?", "kapan"),
#: nor "saat ini" (now).
_GIVEN = re.compile(
    r"\b(?:when|once|after|before|while|during|where|as soon as|ketika|saat|setelah|sesudah|"
    r"sebelum|begitu|usai|seusai|selama|pas|waktu(?=\s+(?-i:[A-Z])))\b"
    r"(?!\s+(?:ini|itu|sekarang|kini|or|atau|did|does|do|is|was|were|are|will|would|can|"
    r"could|has|have|had|should|must)\b)[^,?;]*", re.I)
#: An inverted auxiliary inside the would-be clause: it is the question's own verb ("How
#: many days after closing does a company have to notify ...?").
_ASKING_VERB = re.compile(r"\b(?:does|do|did)\s+(?:a|an|the|it|they|he|she|we|you|i)\b", re.I)


def given_clause(question: str) -> tuple[int, int] | None:
    """Where the question's scene-setting clause is (``_GIVEN``): its words say what the
    asker already knows, so they tell less about which sentence answers than the rest."""
    for m in _GIVEN.finditer(question):
        before = question[:m.start()]
        if not before.strip():
            # "Setelah Permendag 31/2023, apa ...?": a clause that opens the question ends
            # at its comma
            if m.end() < len(question) and question[m.end()] == ",":
                return m.span()
            continue
        if (not _JOINED_ASK.search(before) and len(m.group(0).split()) > 1
                and not _ASKING_VERB.search(m.group(0))):
            return m.span()
    return None

#: Words before a closing "apa" that are no noun ("saat ini apa", "itu apa").
_NOT_HEADS = frozenset({"ini", "itu", "tersebut", "sih", "aja", "saja", "yang", "ya",
                        "sampai", "sejauh"})


ASKS_NUMBER = re.compile(
    r"\b((?<!tahun )(?<!tanggal )(?<!bulan )(?<!hari )(?<!jam )(?<!pukul )berapa|"
    r"how (much|many|large|big|high|long|far along)|sejauh (?:mana|apa)|sampai mana|"
    r"what (share|percentage|amount)|"
    r"what (?:[\w-]+ ){0,2}?(?:range(?! of)|threshold|rate|price floor)\b|"
    r"what(?:'s| is| was| are| were) the (?:\w+ )?(?:price floor|price|minimum|maximum|rate|"
    r"fee|cost|value|amount|size|number|percentage|share))\b", re.I)
#: "Why / mengapa / what reason": a cause is asked for.
ASKS_REASON = re.compile(
    r"\b(why|mengapa|kenapa|reason|alasan|penyebab|what caused|what led)\b", re.I)
INTENTS = ("stakeholder", "chronology", "whats_new", "relations", "sanctions", "impact",
           "obligations", "definition", "status", "fact")

#: "Saya jualan di ..., harus bagaimana?", "I sell on ..., what should I do?": the asker's own
#: situation (a first person who sells, imports or runs a platform, asking what to do).
FIRST_PERSON = re.compile(r"\b(saya|aku|kami|gue|gua|i|i'm|we|we're|my|our)\b", re.I)
_ROLE = re.compile(r"\b(jual\w*|berjualan|sell|sells|selling|seller|sales|penjual|pedagang|"
                   r"merchant|"
                   r"importir|importer|import|impor|platform|toko|shop|lapak|omzet|turnover|"
                   r"compliance|marketplace|lokapasar)\b", re.I)
_WHAT_TO_DO = re.compile(
    r"\b(harus|perlu|sebaiknya|wajib|gimana|bagaimana|ngapain|should|must|need to|have to|"
    r"what (do|should|must|can) (i|we)|what applies|apa yang berlaku|berlaku (buat|untuk|bagi) "
    r"(saya|aku|kami)|(buat|untuk|bagi) (saya|aku|kami|gue)|(apply|applies) to (me|us)|"
    r"affects? (me|us)|for (me|us)|(kena|dipotong|dipungut|dikenai) .{0,40}(nggak|gak|tidak|"
    r"enggak)|(am i|are we) supposed to|jalan keluar|solusi\w*|way out|"
    r"what can (i|we) do|apa yang bisa (saya|kami|aku) (lakukan|lakuin))\b", re.I)
_CHRONOLOGY = re.compile(
    r"\b(kronologi\w*|timeline|chronolog\w*|sequence of events|perjalanan\w*|cerita\w*|"
    r"history of|sejarah\w*|trace|how did .{0,60}(come about|unfold|get here)|"
    r"evolv\w*|evolution|walk (me|us) through|step by step|tahap demi tahap|"
    r"(progres\w*|progress\w*|perkembangan\w*)\b.{0,40}\b(dari awal|from the (start|beginning))|"
    r"(what happened|apa (saja |aja )?yang terjadi)\b.{0,80}\b(since|between|sejak|antara|"
    r"sampai|hingga|until))\b", re.I)
_WHATS_NEW = re.compile(
    r"(\bwhat'?s new\b|\bwhat (is|has) (new|changed)\b|\banything new\b|"
    r"\bapa (yang )?(baru|terbaru)\b|\bada (aturan|update|kabar|perkembangan|yang|perubahan) "
    r"(baru|apa)\b|\blatest (news|developments?)\b|\bnew since\b|\bbaru sejak\b|"
    r"\bsince (then|that)\b|\bsejak (itu|saat itu)\b|\bwhat'?s the latest\b|\bthe latest on\b|"
    r"\b(kabar|perkembangan) terbaru\b)", re.I)
#: "since mid-2025", "sejak awal 2025", "since February 2024": a period that runs to now.
_SINCE = re.compile(r"\b(since|sejak)\s+((the )?(beginning|start|middle|end) of |early |late |"
                    r"mid-?|awal |akhir |pertengahan )?(\w+ )?(19|20)\d\d\b", re.I)
#: "when" that asks for a date opens the question ("When did ...?"); "kapan" anywhere.
_ASKS_WHEN = re.compile(r"^\W*(when|since when|on what date|what date)\b|\b(kapan|tanggal "
                        r"berapa|what date|which day|what year|tahun berapa)\b", re.I)
_RELATIONS = re.compile(
    r"\b(replace[sd]?|replacing|replacement|supersede[sd]?|menggantikan|mengganti|pengganti|"
    r"diganti(kan)?|gantinya|gantiin|ngeganti\w*|ngganti\w*|amend(s|ed|ment|ments|ing)?|"
    r"diubah|mengubah|ngubah|ngerubah|perubahan|"
    r"still in force|still valid|still apply|still the (rule|law|regulation)|masih berlaku|"
    r"tidak berlaku lagi|no longer in force|revoke[sd]?|dicabut|mencabut|relate[sd]? to|"
    r"relationship|hubungan\w*|kaitan\w*|berkaitan|bedanya|perbedaan|difference|implement(s|ing)"
    r"|aturan pelaksana|turunan\w*|derivative)\b", re.I)
#: "Sudah direvisi berapa kali?", "How many times has X been amended?": a count of what the
#: registry holds as its amendments.
ASKS_CHANGE_COUNT = re.compile(
    r"\b(berapa kali|how many times|how often)\b.{0,40}\b(revis\w*|direvisi|diubah|"
    r"perubahan|amend\w*|changed)|\b(revis\w*|direvisi|diubah|amend\w*|changed)\b.{0,40}"
    r"\b(berapa kali|how many times|how often)\b", re.I)
_SANCTIONS = re.compile(
    r"\b(sanksi\w*|sanction\w*|penalt\w*|punish\w*|hukuman|dihukum|ditindak|menindak|tindakan|"
    r"enforce\w*|penegakan|break(s|ing)?|breach\w*|violat\w*|melanggar|pelanggar\w*|bandel|"
    r"non-?complian\w*|tidak patuh|what happens (to|if))\b", re.I)
_IMPACT = re.compile(
    r"\b(affect(s|ed|ing)?|impact\w*|dampak\w*|terdampak|berdampak|pengaruh\w*|ngaruh\w*|"
    r"imbas\w*|kena|terkena|"
    r"who (is|are|was|were) (hit|affected)|apply to|applies to|berlaku (untuk|bagi|buat)|"
    r"nasib\w*|consequences? for|akibat\w* (bagi|untuk|buat)|(change[sd]?|means?) for|"
    r"(artinya|berarti|berubah|perubahan)( apa)? (bagi|untuk|buat)|how did .{3,80}\bhit)\b", re.I)
_OBLIGATIONS = re.compile(
    r"\b(require[sd]?|requirements?|wajib|kewajiban|obligations?|must|harus|prohibit\w*|"
    r"dilarang|larangan|melarang|forbid\w*|forbidden|bans?|banned|boleh|allowed|permitted|"
    r"may (still|not|only)|regulate[sd]?|mengatur|diatur|atur|isi(nya)?|contents?|provisions?|"
    r"ketentuan\w*|rules? (for|on|under)|ngatur|can (i|we|a|an|the) .{3,80} under|"
    r"(have|has|need|needs) to do|perlu (melakukan|dilakukan)|"
    r"under .{3,60}, can (i|we|a|an|the))\b", re.I)
#: "Apa itu X", "what is meant by X", "how does the rule define X", "X itu maksudnya apa":
#: a definition is asked for.
ASKS_DEFINITION = re.compile(
    r"(\bapa\s+(itu|yang\s+dimaksud)\b|\bdefin(e|es|ed|ition)\b|\bdefinisi|"
    r"\bdidefinisikan\b|\bmaksud(nya)?\s+(apa|gimana|bagaimana)\b|\bapa\s+maksud(nya)?\b|"
    r"\barti(nya)?\b|\bwhat\s+(does|do)\b.*\bmean\b|"
    r"\bwhat\s+is\s+meant\b|\bitu\s+(sebenarnya\s+|sih\s+)?apa\b)", re.I)
#: "What is Shop | Tokopedia?": a short "what is X?" asks what X is (as an intent only; as a
#: hint for the sentence to quote it would take "what is the latest ..." for one).
_WHAT_IS = re.compile(r"\bwhat\s+((exactly|actually|really)\s+)?(is|are)\s+(an?\s+|the\s+)?"
                      r"[\w|/ .'‘’\"“”-]{2,40}\?\s*$", re.I)
#: An abbreviation: two to six capitals (a digit or lower-case letter may follow the first).
_ACRONYM = re.compile(r"(?<![\w|])([A-Z][A-Za-z0-9]?[A-Z]{1,4})(?![\w|])")


def acronym_asked(question: str) -> str:
    """The abbreviation a "what is X?" question asks about ("What is PMSE?"), or ""."""
    if not (ASKS_DEFINITION.search(question) or _WHAT_IS.search(question)):
        return ""
    found = [m.group(1) for m in _ACRONYM.finditer(question)]
    return found[0] if len(found) == 1 else ""


#: "Status", "kondisi", "nasib": the question asks where a subject stands (the timeline can
#: answer); "where does X stand", "sekarang gimana" say so in other words.
ASKS_STATUS = re.compile(r"\b((status|kondisi|keadaan|nasib)(nya)?|situation|state|standing)\b",
                         re.I)
_STATUS_PHRASES = re.compile(r"\b(where does .{0,40} stand|sekarang gimana|now\?)", re.I)


def intent_of(question: str, asks_status: bool = False, asks_yes_no: bool = False) -> str:
    """The intent of ``question`` (one of ``INTENTS``).

    A chronology or the asker's own situation is recognised first; a question that asks
    for a date or a figure is a fact, as is one about a person ("which minister ...", "what
    did X say"); one that asks for another name ("who chairs ...", not "who is affected") is
    unless it asks about relations, sanctions or impact."""
    q = question.strip()
    if (FIRST_PERSON.search(q) and _ROLE.search(q) and _WHAT_TO_DO.search(q)
            and not _RELATIONS.search(q)):
        # "Is X still the rule we should follow, or has it been replaced?" asks what
        # replaced X, whoever asks it
        return "stakeholder"
    if _CHRONOLOGY.search(q):
        return "chronology"
    if _WHATS_NEW.search(q) or (_SINCE.search(q) and not _ASKS_WHEN.search(q)):
        return "whats_new"
    if ASKS_CHANGE_COUNT.search(q):
        return "relations"
    if (_ASKS_WHEN.search(q) or ASKS_NUMBER.search(q) or ASKS_PERSON.search(q)
            or ASKS_REASON.search(q)):
        # "Kenapa pemerintah mau ngatur biaya admin?" asks for a cause, not for the rules
        return "fact"
    if _RELATIONS.search(q):
        return "relations"
    if _SANCTIONS.search(q):
        return "sanctions"
    if _IMPACT.search(q):
        return "impact"
    if ASKS_NAME.search(q):
        return "fact"
    if _OBLIGATIONS.search(q):
        return "obligations"
    if ASKS_DEFINITION.search(q) or _WHAT_IS.search(q):
        return "definition"
    if asks_status or asks_yes_no or ASKS_STATUS.search(q) or _STATUS_PHRASES.search(q):
        return "status"
    return "fact"
