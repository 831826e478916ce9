"""Common US given-name nicknames, so "Bill Smith" in a court file can meet "William Smith".

Each nickname maps to the formal names it can stand for; a formal name maps to itself. Linkage
compares the *sets* of formal names two spellings can stand for (any overlap is a nickname match),
which copes with ambiguous short forms ("Chris", "Alex", "Sam"). The generator's table
(cases.synthetic.names.NICKNAMES) is merged in when present, so the variants it writes and the
variants the matcher forgives come from one place; this copy keeps production working without it.
"""

from __future__ import annotations

from functools import lru_cache

_GROUPS: dict[str, tuple[str, ...]] = {
    "abigail": ("abby", "abbie", "gail"),
    "abraham": ("abe",),
    "alexander": ("alex", "al", "xander", "sandy", "alec", "lex"),
    "alexandra": ("alex", "lexi", "lexie", "sandra", "sandy", "allie", "alexa"),
    "albert": ("al", "bert", "albie"),
    "alfred": ("al", "alf", "fred", "freddie"),
    "allison": ("allie", "ally"),
    "amanda": ("mandy", "manda"),
    "andrew": ("andy", "drew"),
    "angela": ("angie",),
    "anthony": ("tony", "ant"),
    "antonio": ("tony", "toni"),
    "arthur": ("art", "artie"),
    "barbara": ("barb", "babs", "barbie"),
    "benjamin": ("ben", "benny", "benji"),
    "bernard": ("bernie",),
    "beverly": ("bev",),
    "bradley": ("brad",),
    "brittany": ("britt",),
    "calvin": ("cal",),
    "carolyn": ("carol", "carrie"),
    "caroline": ("carol", "carrie", "callie"),
    "catherine": ("cathy", "kate", "katie", "cat", "kitty"),
    "charles": ("charlie", "chuck", "chas", "chaz"),
    "charlotte": ("charlie", "lottie"),
    "christina": ("chris", "tina", "chrissy", "christy"),
    "christine": ("chris", "tina", "chrissy", "christy"),
    "christopher": ("chris", "kit", "topher"),
    "cynthia": ("cindy",),
    "daniel": ("dan", "danny"),
    "danielle": ("dani",),
    "david": ("dave", "davey"),
    "deborah": ("deb", "debbie", "debby"),
    "dennis": ("denny",),
    "donald": ("don", "donnie"),
    "dorothy": ("dot", "dottie", "dolly"),
    "douglas": ("doug",),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "eleanor": ("ellie", "nora", "elle"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "betsy", "eliza", "libby", "liza", "ellie"),
    "emily": ("em", "emmy"),
    "eugene": ("gene",),
    "frances": ("fran", "frannie"),
    "francis": ("frank", "fran"),
    "franklin": ("frank",),
    "frederick": ("fred", "freddie", "freddy", "rick"),
    "gabriel": ("gabe",),
    "gabriella": ("gabby", "ella"),
    "gerald": ("jerry", "gerry"),
    "gregory": ("greg",),
    "harold": ("harry", "hal"),
    "henry": ("hank", "harry", "hal"),
    "isabella": ("bella", "izzy", "isa"),
    "jacob": ("jake", "jay"),
    "james": ("jim", "jimmy", "jamie", "jay"),
    "janet": ("jan",),
    "jennifer": ("jen", "jenny", "jenn"),
    "jeffrey": ("jeff",),
    "jessica": ("jess", "jessie"),
    "john": ("johnny", "jack", "jon"),
    "jonathan": ("jon", "jonny", "johnny", "nate"),
    "joseph": ("joe", "joey", "jo"),
    "joshua": ("josh",),
    "judith": ("judy",),
    "katherine": ("kathy", "kate", "katie", "kat", "kay", "kit", "kitty"),
    "kathleen": ("kathy", "kate", "katie", "kay"),
    "kenneth": ("ken", "kenny"),
    "kimberly": ("kim",),
    "lawrence": ("larry",),
    "leonard": ("leo", "len", "lenny"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie", "greta", "madge"),
    "matthew": ("matt", "matty"),
    "melissa": ("mel", "missy", "lisa"),
    "michael": ("mike", "mikey", "mick", "mickey"),
    "michelle": ("shelly", "michele"),
    "nathan": ("nate",),
    "nathaniel": ("nate", "nat", "nathan"),
    "nicholas": ("nick", "nicky", "nico"),
    "nicole": ("nicky", "nikki", "cole"),
    "olivia": ("liv", "livvy", "ollie"),
    "pamela": ("pam",),
    "patricia": ("pat", "patty", "trish", "tricia", "patsy"),
    "patrick": ("pat", "paddy", "rick"),
    "peter": ("pete",),
    "philip": ("phil",),
    "phillip": ("phil",),
    "rebecca": ("becky", "becca", "reba"),
    "raymond": ("ray",),
    "richard": ("rick", "ricky", "rich", "richie", "dick"),
    "robert": ("rob", "robbie", "bob", "bobby", "bert"),
    "roberta": ("bobbie", "robbie"),
    "ronald": ("ron", "ronnie"),
    "russell": ("russ",),
    "samantha": ("sam", "sammy"),
    "samuel": ("sam", "sammy"),
    "sandra": ("sandy",),
    "sarah": ("sally", "sadie"),
    "stephanie": ("steph", "stephie"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "susan": ("sue", "susie", "suzy"),
    "theodore": ("ted", "teddy", "theo"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "vicki", "tori"),
    "vincent": ("vince", "vinny"),
    "virginia": ("ginny", "ginger"),
    "walter": ("walt", "wally"),
    "william": ("will", "bill", "billy", "willy", "liam", "willie"),
    "zachary": ("zach", "zack"),
}

NICKNAMES: dict[str, frozenset[str]] = {}
for _formal, _nicks in _GROUPS.items():
    NICKNAMES.setdefault(_formal, frozenset())
    NICKNAMES[_formal] = NICKNAMES[_formal] | {_formal}
    for _nick in _nicks:
        NICKNAMES[_nick] = NICKNAMES.get(_nick, frozenset()) | {_formal}


def _load_generator_table() -> None:
    """Forgive every variant the synthetic generator writes (one table for both, when present)."""
    try:
        from cases.synthetic.names import NICKNAMES as generator_table
    except ImportError:  # pragma: no cover - the generator is optional at run time
        return
    add_nicknames(generator_table)


@lru_cache(maxsize=50_000)
def _formal(first_name: str) -> tuple[str, ...]:
    return tuple(sorted(NICKNAMES.get(first_name, frozenset({first_name}))))


def formal_names(first_name: str) -> list[str]:
    """The formal names a (lower-case, clean) given name can stand for; itself when unknown."""
    return list(_formal(first_name)) if first_name else []


def add_nicknames(pairs: dict[str, tuple[str, ...]] | dict[str, list[str]]) -> None:
    """Extend the table (formal -> nicknames), e.g. from a partner's or generator's list."""
    for formal, nicks in pairs.items():
        formal = formal.lower()
        NICKNAMES[formal] = NICKNAMES.get(formal, frozenset()) | {formal}
        for nick in nicks:
            nick = nick.lower()
            NICKNAMES[nick] = NICKNAMES.get(nick, frozenset()) | {formal}
    _formal.cache_clear()


_load_generator_table()
