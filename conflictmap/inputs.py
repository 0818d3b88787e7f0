"""Read the files users hand us (events files, briefings, source documents) safely.

Why not ``Path.read_bytes()``: a path can name a directory, a FIFO that blocks
forever, a device that never ends (``/dev/zero``, ``/dev/urandom``) or a file of
gigabytes. Each would hang the command or exhaust memory before any check ran.
Here the path is stat-ed first and only a regular file is opened; it is opened
with ``O_NONBLOCK`` (so a FIFO swapped in after the check cannot block the open),
checked again on the open descriptor, and read with a bounded read of at most
``limit + 1`` bytes. Every failure is one :class:`InputFileError` naming the file,
which the CLI prints as ``FILE:1: message`` with exit 1.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from conflictmap.errors import EventsFileError, Problem

# The largest input we read. The bundled events file is ~40 kB and an article a
# few kB; 64 MiB leaves room for ACLED-size curated files while keeping a
# mistaken path (a disk image, a video) from being loaded into memory.
MAX_INPUT_BYTES = 64 * 1024 * 1024

_CHUNK = 1 << 20

_KIND = {
    stat.S_IFDIR: "is a folder, not a file",
    stat.S_IFIFO: "is a named pipe (FIFO), not a regular file",
    stat.S_IFCHR: "is a device, not a regular file",
    stat.S_IFBLK: "is a device, not a regular file",
    stat.S_IFSOCK: "is a socket, not a regular file",
}

_OS_MESSAGES = {
    errno.ENOENT: "file not found",
    errno.ENOTDIR: "file not found (a part of the path is not a folder)",
    errno.ENAMETOOLONG: "file name too long",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EISDIR: "is a folder, not a file",
}


class InputFileError(EventsFileError):
    """A file we were asked to read cannot be read as text.

    A subclass of :class:`EventsFileError` so every caller that reports located
    problems (the CLI, the events validator for source documents) reports this
    one the same way.
    """

    def __init__(self, path: Path | str, message: str, line: int = 1):
        self.path = str(path)
        self.message = message
        super().__init__([Problem(self.path, line, "", message)])


def os_error_message(exc: OSError | ValueError) -> str:
    """A short, path-free description of why a file operation failed."""
    if isinstance(exc, ValueError):  # e.g. a NUL byte in the path
        return "invalid file name"
    known = _OS_MESSAGES.get(exc.errno) if exc.errno is not None else None
    if known:
        return known
    return exc.strerror or type(exc).__name__


def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def read_bytes(path: Path | str, limit: int | None = None) -> bytes:
    """The content of the regular file ``path``, at most ``limit`` bytes, or InputFileError."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    shown = str(path)
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        raise InputFileError(shown, os_error_message(exc)) from None
    _check_kind(shown, st.st_mode)
    if st.st_size > limit:
        raise InputFileError(shown, f"file too large: {_size_text(st.st_size)} (limit {_size_text(limit)})")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise InputFileError(shown, os_error_message(exc)) from None
    try:
        # The path may have been replaced between stat and open: judge what was opened.
        st = os.fstat(fd)
        _check_kind(shown, st.st_mode)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputFileError(shown, f"cannot read: {os_error_message(exc)}") from None
    finally:
        os.close(fd)
    if total > limit:  # the file grew after stat, or st_size lied (procfs)
        raise InputFileError(shown, f"file too large: more than {_size_text(limit)}")
    return b"".join(chunks)


def _check_kind(shown: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    raise InputFileError(shown, _KIND.get(stat.S_IFMT(mode), "is not a regular file"))


def read_text(path: Path | str, limit: int | None = None) -> str:
    """A UTF-8 text file as ``str``; a bad byte is reported with its line and offset."""
    raw = read_bytes(path, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            path,
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
            line=line,
        ) from None
