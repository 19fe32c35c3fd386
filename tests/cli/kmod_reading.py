"""An independent reading of modprobe.d ``options`` for one module, written from the
sources (not from the parser it checks): which words the kernel gets.

- kmod v30 ``shared/util.c`` ``freadline_wrapped()``: lines end at ``\\n``; a ``\\``
  takes the next character (a newline: the lines join), at the end of the file it
  stores ``(char) EOF`` (byte 0xFF); the C string ends at a NUL.
- kmod v30 ``libkmod/libkmod-config.c`` ``kmod_config_parse()``: a line starting with
  ``#`` or empty is skipped; ``strtok_r(line, "\\t ")`` gives the command and the
  module, ``strtok_r(NULL, "\\0")`` the rest after the one blank that ended the module
  (NULL when nothing is left: the line is ignored); ``kmod_config_add_options()``
  makes tabs blanks.
- kmod v30 ``libkmod/libkmod-module.c`` ``kmod_module_get_options()`` joins a
  module's entries with one blank, and ``module_options_concat()`` adds one after
  them (read in the kmod mirror, tag v30, 2026-12-03).
- Linux ``lib/cmdline.c`` ``next_arg()`` (with the ``i > 0`` fix of 2022; read
  2026-12-03): a word starts outside quotes unless it starts with ``"``, each ``"``
  turns the quote state, the first ``=`` after the word's first character splits
  name and value, a value's leading quote and the word's last quote go;
  ``parse_args()`` (kernel/params.c) stops at a word ``--`` without a value.
"""

from __future__ import annotations

SPACE = " \t\n\v\f\r\xa0"  # isspace() of lib/ctype.c: 9-13, 32 and 160


def _lines(text: str) -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        i += 1
        if ch == "\n":
            out.append("".join(buf))
            buf = []
        elif ch != "\\":
            buf.append(ch)
        elif i >= n:
            buf.append("\xff")
        elif text[i] == "\n":
            i += 1
        else:
            buf.append(text[i])
            i += 1
    if buf:
        out.append("".join(buf))
    return [line.split("\0", 1)[0] for line in out]


def _token(s: str, pos: int) -> tuple[str | None, int]:
    """``strtok_r(..., "\\t ")``: the token and the position after its delimiter."""
    while pos < len(s) and s[pos] in "\t ":
        pos += 1
    if pos >= len(s):
        return None, pos
    end = pos
    while end < len(s) and s[end] not in "\t ":
        end += 1
    return s[pos:end], min(end + 1, len(s))


def _texts(files: list[tuple[str, str]], module: str) -> list[str]:
    out = []
    for _path, text in files:
        for line in _lines(text):
            if not line or line[0] == "#":
                continue
            command, pos = _token(line, 0)
            if command != "options":
                continue
            name, pos = _token(line, pos)
            if name is None or "[" in name or "]" in name or pos >= len(line):
                continue
            if name.replace("-", "_") == module:
                out.append(line[pos:].replace("\t", " "))
    return out


def _kernel_words(args: str) -> list[str]:
    words: list[str] = []
    i, n = 0, len(args)
    while i < n and args[i] in SPACE:
        i += 1
    while i < n:
        quoted = in_quote = args[i] == '"'
        start = j = i + 1 if quoted else i
        equals = -1
        while j < n and (in_quote or args[j] not in SPACE):
            if equals < 0 and args[j] == "=" and j > start:
                equals = j
            if args[j] == '"':
                in_quote = not in_quote
            j += 1
        end = j  # args[j] is cut: the value's or the word's closing quote
        last_quote = j > start and args[j - 1] == '"'
        if equals < 0:
            word = args[start : end - 1 if quoted and last_quote else end]
        else:
            vstart = equals + 1
            if args[vstart : vstart + 1] == '"':
                vstart += 1
                end = end - 1 if last_quote else end
            elif quoted and last_quote:
                end -= 1
            word = args[start:equals] + "=" + args[vstart : max(end, vstart)]
        i = j + 1 if j < n else j
        while i < n and args[i] in SPACE:
            i += 1
        if word == "--":
            return words
        words.append(word)
    return words


def kernel_reads(files: list[tuple[str, str]], module: str) -> list[str]:
    """The words ``module`` gets from the ``.conf`` files of ``files`` (in order), as
    ``name=value`` or ``name``."""
    texts = _texts([f for f in files if f[0].endswith(".conf")], module)
    return _kernel_words(" ".join(texts) + " ") if texts else []
