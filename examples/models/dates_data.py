"""The `dates` task's data, generated: a calendar date written in one of 12 formats (words, abbreviations, ordinals,
numbers with dots or slashes, weekdays, two-digit years, upper or lower case) -> the same date in ISO form YYYY-MM-DD.

Conventions the model must learn: dotted dates are day first (05.03.1987 = 5 March), slashed ones month first
(3/5/1987 = March 5), a two-digit year 50-99 is 19xx and 00-49 is 20xx. Dates range over 1950-01-01 .. 2049-12-31.
"""
import datetime

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORD_ONES = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
            "nineteenth"]
ORD_TENS = {20: "twentieth", 30: "thirtieth"}
START, DAYS = datetime.date(1950, 1, 1), (datetime.date(2049, 12, 31) - datetime.date(1950, 1, 1)).days + 1


def words(n):
    """0..99 in words: 7 -> seven, 42 -> forty-two."""
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])


def ordinal_words(n):
    """1..31: first, twenty-second, thirtieth."""
    if n < 20:
        return ORD_ONES[n]
    if n % 10 == 0:
        return ORD_TENS[n]
    return TENS[n // 10] + "-" + ORD_ONES[n % 10]


def suffix(n):
    return "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def year_words(y, rs):
    """1987 -> nineteen eighty-seven; 2000 -> two thousand; 2007 -> two thousand (and) seven; 2024 -> twenty
    twenty-four or two thousand (and) twenty-four."""
    if y < 2000:
        return "nineteen " + words(y - 1900)
    if y == 2000:
        return "two thousand"
    if y >= 2010 and rs.rand() < 0.5:
        return "twenty " + words(y - 2000)
    return "two thousand " + ("and " if rs.rand() < 0.5 else "") + words(y - 2000)


def render(d, fmt, rs):
    """Date d in format fmt (0..11)."""
    M, A, D, Y = MONTHS[d.month - 1], ABBR[d.month - 1], d.day, d.year
    if fmt == 0:
        return "%s %d, %d" % (M, D, Y)
    if fmt == 1:
        return "%d %s %d" % (D, M, Y)
    if fmt == 2:
        return "%s %d, %d" % (A, D, Y)
    if fmt == 3:
        return "%d %s %02d" % (D, A, Y % 100)
    if fmt == 4:
        return "%02d.%02d.%d" % (D, d.month, Y)
    if fmt == 5:
        return "%d/%d/%d" % (d.month, D, Y)
    if fmt == 6:
        return "%s, %s %d, %d" % (WEEKDAYS[d.weekday()], M, D, Y)
    if fmt == 7:
        return "%d%s of %s %d" % (D, suffix(D), M, Y)
    if fmt == 8:
        return "%s %d%s, %d" % (M, D, suffix(D), Y)
    if fmt == 9:
        return "the %s of %s, %s" % (ordinal_words(D), M, year_words(Y, rs))
    if fmt == 10:
        return "%s %s, %s" % (M, ordinal_words(D), year_words(Y, rs))
    return "%d-%02d-%02d" % (Y, d.month, D)


FORMATS = 12


def example(rs):
    """One (source text, ISO target) pair: a uniform date, a uniform format, then lower case (25%) or upper (10%)."""
    d = START + datetime.timedelta(days=int(rs.randint(DAYS)))
    s = render(d, int(rs.randint(FORMATS)), rs)
    u = rs.rand()
    if u < 0.25:
        s = s.lower()
    elif u < 0.35:
        s = s.upper()
    return s, d.isoformat()


def dataset(rs, n_train, n_test):
    """Distinct sources: a training set and a held-out set that shares no source text with it."""
    seen, train, test = set(), [], []
    while len(train) < n_train or len(test) < n_test:
        s, t = example(rs)
        if s in seen:
            continue
        seen.add(s)
        (train if len(train) < n_train else test).append((s, t))
    return train, test
