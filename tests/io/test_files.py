"""Files in and out: every writer replaces only regular files, atomically, with the user's umask.

Special files are made without root: a FIFO (``os.mkfifo``), a Unix socket, a directory, and
symbolic links to each. The real ``/dev/null`` is only ever read.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infranet.errors import FormatError
from infranet.io import files, write
from infranet.model import Topology

TOPO = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
                           "links": [{"a": "x", "b": "y", "length_km": 10}]})


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def _special(kind: str, path: Path) -> Iterator[Path]:
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        try:
            yield path
        finally:
            server.close()
        return
    yield path


KINDS = {"directory": "a directory", "fifo": "a FIFO (named pipe)", "socket": "a socket"}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("through_link", [False, True], ids=["direct", "symlink"])
def test_special_files_are_refused_and_kept(kind: str, through_link: bool, tmp_path: Path):
    for target in _special(kind, tmp_path / "special"):
        before = target.lstat()
        path = target
        if through_link:
            path = tmp_path / "link.yaml"
            path.symlink_to(target)
        with pytest.raises(FormatError) as info:
            files.write_text(path, "name: x\n")
        assert str(info.value) == (f"{path}: is {KINDS[kind]}, not a regular file; infranet "
                                   "writes only regular files")
        after = target.lstat()
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
        assert after.st_ino == before.st_ino  # the very same node, not a replacement
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted(["special"] + (["link.yaml"] if through_link else []))


def test_a_character_device_is_refused_before_anything_is_written():
    # /dev/null itself is never written: writable() alone decides, and it refuses
    with pytest.raises(FormatError, match="/dev/null: is a character device"):
        files.writable("/dev/null")


def test_new_file_gets_the_umask(umask, tmp_path: Path):
    path = tmp_path / "new.yaml"
    files.write_text(path, "x\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0666 & ~0027
    write(TOPO, tmp_path / "topo.json")
    assert stat.S_IMODE((tmp_path / "topo.json").stat().st_mode) == 0o640


def test_existing_file_keeps_its_mode(umask, tmp_path: Path):
    path = tmp_path / "old.yaml"
    path.write_text("old\n")
    path.chmod(0o604)
    files.write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o604


def test_symlink_is_written_through(tmp_path: Path):
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write(TOPO, link)
    assert link.is_symlink()
    assert Topology.from_dict(yaml.safe_load(real.read_text())) == TOPO
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "made.yaml")
    files.write_text(dangling, "made\n")
    assert dangling.is_symlink() and (tmp_path / "made.yaml").read_text() == "made\n"


def test_dash_is_stdout(capsys):
    files.write_text("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"
    write(TOPO, "-", format="json")
    assert '"name": "t"' in capsys.readouterr().out


def test_missing_directory(tmp_path: Path):
    with pytest.raises(FormatError, match="nowhere/x.yaml: directory does not exist"):
        files.write_text(tmp_path / "nowhere" / "x.yaml", "x")
    with pytest.raises(FormatError, match="names a directory"):
        files.write_text(f"{tmp_path}/new-folder/", "x")
    assert sorted(tmp_path.iterdir()) == []


def test_read_refuses_devices_and_fifos(tmp_path: Path):
    with pytest.raises(FormatError, match="/dev/null: not a regular file"):
        files.read_bytes("/dev/null")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(FormatError, match="not a regular file .a FIFO"):
        files.read_text(fifo)  # refused on its type, never opened (opening would block)


def test_a_dangling_link_names_the_directory_it_lacks(tmp_path: Path):
    link = tmp_path / "out.yaml"
    link.symlink_to(tmp_path / "gone" / "out.yaml")
    with pytest.raises(FormatError, match=r"out.yaml: is a symbolic link to .*gone/out.yaml, "
                                          r"whose directory does not exist \(.*gone\)"):
        files.write_text(link, "x")


def test_same_file_sees_through_spellings_and_links(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text("x")
    (tmp_path / "link.yaml").symlink_to(path)
    os.link(path, tmp_path / "hard.yaml")
    for other in (path, tmp_path / "." / "a.yaml", tmp_path / "link.yaml",
                  tmp_path / "hard.yaml", f"{tmp_path}//a.yaml"):
        assert files.same_file(path, other), other
    assert not files.same_file(path, tmp_path / "b.yaml")
    assert not files.same_file(path, "-")


def test_dash_reads_standard_input_once(monkeypatch):
    import io
    import sys

    stream = io.TextIOWrapper(io.BytesIO(b"name: piped\nsites: [{name: a}]\n"))
    monkeypatch.setattr(sys, "stdin", stream)
    assert files.read_text("-") == "name: piped\nsites: [{name: a}]\n"
    assert files.read_bytes("-") == b"name: piped\nsites: [{name: a}]\n"  # the same bytes again

    import infranet.io

    assert infranet.io.read("-").name == "piped"


@pytest.mark.parametrize(("head", "format"), [
    ('{"name": "x", "sites": []}', "json"), ('{"directed": true, "nodes": []}', "nodelink"),
    ('{"type": "FeatureCollection"}', "geojson"), ("name: x\nsites: []\n", "yaml"),
    ('<?xml version="1.0"?><graphml>', "graphml"), ('<?xml version="1.0"?><network>',
                                                     "sndlib-xml"),
    ("?SNDlib native format; type: network\n", "sndlib"), ("graph [\n  node [", "gml")])
def test_standard_input_says_its_format_by_its_content(monkeypatch, head: str, format: str):
    import io
    import sys

    import infranet.io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(head.encode())))
    assert infranet.io.guess_format("-") == format


def test_standard_output_on_a_pipe_is_refused_as_a_pipe():
    """/dev/stdout when standard output is a pipe resolves to 'pipe:[N]' in /proc, which is no
    path: the write is refused as a FIFO, in one line, not as a missing file."""
    import subprocess
    import sys

    code = ("from infranet.io import files\n"
            "try:\n"
            "    files.writable('/dev/stdout')\n"
            "except files.FormatError as err:\n"
            "    import sys; print(err, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)  # standard output a pipe
    assert done.stderr.strip() == ("/dev/stdout: is a FIFO (named pipe), not a regular file; "
                                   "infranet writes only regular files")
