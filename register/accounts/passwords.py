"""How guessable a new password is: zxcvbn's estimate, told about Danish words and the account's own details.

zxcvbn knows common passwords, English words, names, keyboard patterns, dates and repeats; the words below
are the Danish ones that common Danish passwords are built from (seasons, months, greetings, "kode").
"""
MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses or more
# zxcvbn's time grows with the length; what decides the score is in the first hundred characters.
CHECKED_LENGTH = 100
DANISH_WORDS = (
    "adgangskode", "kodeord", "password", "kode", "hemmelig", "hemmeligt", "velkommen", "hej", "hejsa",
    "sommer", "vinter", "foraar", "forår", "efteraar", "efterår", "januar", "februar", "marts", "april", "maj",
    "juni", "juli", "august", "september", "oktober", "november", "december", "mandag", "tirsdag", "onsdag",
    "torsdag", "fredag", "lørdag", "søndag", "danmark", "dannebrog", "kommune", "kommunen", "rådhus",
    "borger", "medarbejder", "register", "beredskab", "sikkerhed", "login", "kage", "kærlighed", "elsker",
    "skat", "skattefar", "mor", "far", "hund", "kat", "fodbold", "brøndby", "fck", "københavn", "aarhus",
    "odense", "aalborg", "jylland", "sjælland", "fyn", "qwerty", "asdf", "abc", "test", "admin", "bruger",
)


def too_guessable(password: str, context: tuple[str, ...] = ()) -> bool:
    """Whether the password is common or easily guessed (context: the e-mail, name, municipality)."""
    from zxcvbn import zxcvbn  # its dictionaries load when a password is set, not at start-up

    words = [*DANISH_WORDS, *(w.lower() for w in context if w)]
    return zxcvbn(password[:CHECKED_LENGTH], user_inputs=words)["score"] < MIN_SCORE
