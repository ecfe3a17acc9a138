"""Files in and out: checked reads, and the one safe way infranet writes a file.

Reading, ``-`` is standard input (read once, whole, up to :data:`MAX_FILE_BYTES`; a second read
in the same process gets the same bytes).

Every file infranet writes (converted topologies, generated fabrics, benchmark results) goes
through :func:`write_text` (or :func:`write_bytes`, for images):

* ``-`` is standard output;
* only a regular file is written, new or existing; a directory, a device, a FIFO or a socket is
  refused with a one-line :class:`~infranet.errors.FormatError`, and left as it was;
* a symbolic link is written through: its target is replaced and the link stays;
* the file is written whole under a temporary name beside the target and renamed into place,
  so a failure never leaves half a file nor loses the old one;
* a new file gets the permissions the user's umask allows (``0666 & ~umask``), an existing
  file keeps its own.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

from infranet.errors import FormatError

__all__ = ["MAX_FILE_BYTES", "STDIN", "STDOUT", "read_bytes", "read_text", "same_file", "writable",
           "write_bytes", "write_text"]

#: Largest file read (bytes). Larger files are refused before parsing, so a hostile or mistaken
#: path cannot exhaust memory. Generated fabrics stay far below this.
MAX_FILE_BYTES = 256 * 2**20
#: The name that means standard output (writing).
STDOUT = "-"
#: The name that means standard input (reading).
STDIN = "-"
#: Standard input as read, by stream: a reader that sniffs the format and then parses reads it
#: twice.
_STDIN_READ: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _checked(path: str | Path) -> Path:
    """`path` as a Path, refusing missing, non-regular and huge files."""
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise FormatError("file not found", file=str(path)) from None
    except OSError as err:
        raise FormatError(f"cannot read: {err.strerror}", file=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise FormatError(f"not a regular file ({_kind(info.st_mode)})", file=str(path))
    if info.st_size > MAX_FILE_BYTES:
        raise FormatError(f"file is {info.st_size / 2**20:.0f} MiB, larger than the "
                          f"{MAX_FILE_BYTES // 2**20} MiB infranet reads", file=str(path))
    return p


def _stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    try:
        return _STDIN_READ[stream]
    except (KeyError, TypeError):
        pass
    try:
        data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise FormatError(f"cannot read standard input: {err.strerror or err}",
                          file=STDIN) from None
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise FormatError(f"standard input holds more than the {MAX_FILE_BYTES // 2**20} MiB "
                          "infranet reads", file=STDIN)
    if not data:
        raise FormatError("standard input is empty; pipe a topology into it, or give a file",
                          file=STDIN)
    with contextlib.suppress(TypeError):  # a stream that takes no weak reference: read once
        _STDIN_READ[stream] = data
    return data


def read_bytes(path: str | Path) -> bytes:
    """Return the bytes of `path` (``-``: standard input), refusing missing, non-regular and
    huge files.

    Examples
    --------
    >>> read_bytes("/dev/null")
    Traceback (most recent call last):
    infranet.errors.FormatError: /dev/null: not a regular file (a character device)
    """
    if str(path) == STDIN:
        return _stdin()
    try:
        return _checked(path).read_bytes()
    except OSError as err:
        raise FormatError(f"cannot read: {err.strerror}", file=str(path)) from None


def read_text(path: str | Path) -> str:
    """Return the text of `path`, refusing missing, non-regular, huge and non-UTF-8 files."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(f"not UTF-8 text (byte {err.start}: {err.reason})",
                          file=str(path)) from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def same_file(first: str | Path, second: str | Path) -> bool:
    """True when two paths name one file: the same path spelled differently, a symbolic link to
    it, or a hard link (``-`` is never a file).

    Examples
    --------
    >>> same_file("topologies/texas-ring.yaml", "topologies/../topologies/texas-ring.yaml")
    True
    >>> same_file("topologies/texas-ring.yaml", "-")
    False
    """
    if STDOUT in (str(first), str(second)):
        return False
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(first) == os.path.realpath(second)


def writable(path: str | Path) -> Path:
    """Return the regular file that writing `path` replaces (a symlink's target), refusing a
    directory, device, FIFO or socket, and a folder that does not exist."""
    target = Path(os.path.realpath(path))
    try:  # through links, /proc's magic ones too: /dev/stdout on a pipe is that pipe
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as err:
        raise FormatError(f"cannot write: {err.strerror}", file=str(path)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FormatError(f"is {_kind(info.st_mode)}, not a regular file; infranet writes "
                          "only regular files", file=str(path))
    if info is None and str(path).endswith(("/", os.sep)):
        raise FormatError("names a directory; give a file name", file=str(path))
    if not target.parent.is_dir():
        if Path(path).is_symlink():
            raise FormatError(f"is a symbolic link to {os.readlink(path)}, whose directory "
                              f"does not exist ({target.parent}); fix or remove the link",
                              file=str(path))
        raise FormatError(f"directory does not exist ({Path(path).parent}); create it first",
                          file=str(path))
    return target


def write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` safely: ``-`` for stdout, else atomically to a regular
    file (see the module's documentation).

    Raises
    ------
    FormatError
        When `path` is a directory, device, FIFO or socket, its folder does not exist, or the
        file cannot be written; the message is one line naming `path`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_text(folder / "a.yaml", "name: a\\n")
    >>> (folder / "a.yaml").read_text()
    'name: a\\n'
    >>> write_text(folder, "x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    infranet.errors.FormatError: ...: is a directory, not a regular file; infranet writes only...
    """
    if str(path) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` safely, as :func:`write_text` writes text: ``-`` for stdout, else
    atomically to a regular file (images, say).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_bytes(folder / "a.bin", b"\\x89PNG")
    >>> (folder / "a.bin").read_bytes()
    b'\\x89PNG'
    """
    if str(path) == STDOUT:
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:
            raise FormatError("standard output takes no binary data here; give a file name",
                              file=str(path))
        stream.write(data)
        stream.flush()
        return
    target = writable(path)
    try:
        old = target.stat().st_mode if target.exists() else None
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as err:
        raise FormatError(f"cannot write: {err.strerror or err}", file=str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, stat.S_IMODE(old) if old is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise FormatError(f"cannot write: {err.strerror or err}", file=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
