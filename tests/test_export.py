"""The static export: the Site's documents as files, swapped in whole or not at all."""
import dataclasses
import gzip
import os
from pathlib import Path

import pytest

from feeds.export import HOST_FILES, ExportError, export, file_for


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_document_is_a_file_with_the_same_bytes_and_a_gzip_twin(site, tmp_path):
    out = tmp_path / "public"
    changes = export(site, out)
    files = tree(out)
    documents = {file_for(path): resource.body for path, resource in site.items()}
    assert {name: data for name, data in files.items() if not name.endswith(".gz") and name not in HOST_FILES} == documents
    for name, body in documents.items():
        assert gzip.decompress(files[name + ".gz"]) == body
    assert {"index.html", "feed.atom", "feeds.opml", "themes/smuggling/index.html"} <= set(files)
    assert sorted(changes.added) == sorted(documents) and not changes.changed and not changes.removed


def test_gzip_files_are_deterministic_with_no_name_or_time(site, tmp_path):
    export(site, tmp_path / "public")
    data = (tmp_path / "public" / "feed.atom.gz").read_bytes()
    assert data[3] == 0  # FLG: no file name, no comment, no extra field
    assert data[4:8] == b"\0\0\0\0"  # MTIME: none


def test_directory_urls_are_index_files():
    assert file_for("/") == "index.html"
    assert file_for("/items/2021-10-26-x/") == "items/2021-10-26-x/index.html"
    assert file_for("/themes/smuggling/feed.rss") == "themes/smuggling/feed.rss"


def test_file_times_are_the_newest_item_not_the_build_time(site, tmp_path):
    export(site, tmp_path / "public")
    feed = tmp_path / "public" / "themes" / "smuggling" / "feed.atom"
    assert os.stat(feed).st_mtime == site["/themes/smuggling/feed.atom"].last_modified.timestamp()


def test_rebuilding_reports_no_change_and_leaves_no_temporary_folders(site, tmp_path):
    export(site, tmp_path / "public")
    changes = export(site, tmp_path / "public")
    assert (changes.added, changes.changed, changes.removed) == ([], [], [])
    assert changes.unchanged == len(site)
    # the lock file stays, and the export replaced, kept for the next publish to bring up to date
    assert sorted(os.listdir(tmp_path)) == [".public.lock", ".public.standby", "public"]
    assert tree(tmp_path / ".public.standby") == tree(tmp_path / "public")


def test_files_added_by_hand_never_reach_the_next_exports(site, tmp_path):
    out = tmp_path / "public"
    export(site, out)
    (out / "items" / "gone").mkdir()
    (out / "items" / "gone" / "index.html").write_text("old")
    changes = export(site, out)
    assert changes.removed == []  # not a document of the export it replaces (its manifest says what those are)
    assert not (out / "items" / "gone").exists()
    export(site, out)  # that export is now the standby, which the next publish brings up to date
    assert not (out / "items" / "gone").exists()


def test_a_failed_write_leaves_the_previous_export_whole(site, tmp_path, monkeypatch):
    out = tmp_path / "public"
    export(site, out)
    before = tree(out)

    class Broken(dict):
        def __iter__(self):
            yield from list(super().__iter__())[:3]
            raise OSError("disk full")

    with pytest.raises(OSError):
        export(dataclasses.replace(site, resources=Broken(site.resources)), out)
    assert tree(out) == before
    assert sorted(os.listdir(tmp_path)) == [".public.lock", "public"]  # the lock file stays, no folder


def test_refuses_to_replace_a_folder_that_is_not_an_export(site, tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(ExportError, match="not an earlier export"):
        export(site, precious)
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_export_is_readable_by_a_web_server_whatever_the_umask(site, tmp_path):
    old = os.umask(0o077)
    try:
        export(site, tmp_path / "public")
    finally:
        os.umask(old)
    for path in [tmp_path / "public", *(tmp_path / "public").rglob("*")]:
        assert os.stat(path).st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path


def test_symlinked_out_publishes_into_the_folder_it_names(site, tmp_path):
    releases = tmp_path / "releases"
    export(site, releases / "v1")
    (tmp_path / "public").symlink_to(releases / "v1")
    changes = export(site, tmp_path / "public")
    assert (tmp_path / "public").is_symlink() and changes.unchanged == len(site)
    assert sorted(os.listdir(releases)) == [".v1.lock", ".v1.standby", "v1"]  # the standby beside its target
    assert sorted(os.listdir(tmp_path)) == ["public", "releases"]


def test_a_folder_with_an_index_html_but_no_export_marker_is_not_replaced(site, tmp_path):
    mysite = tmp_path / "mysite"
    mysite.mkdir()
    (mysite / "index.html").write_text("<p>my own site</p>")
    (mysite / "CNAME").write_text("example.org")
    with pytest.raises(ExportError, match="not an earlier export"):
        export(site, mysite)
    assert sorted(os.listdir(mysite)) == ["CNAME", "index.html"]


def test_cleanup_touches_only_this_exports_leftovers(site, tmp_path):
    export(site, tmp_path / "site")
    (tmp_path / ".site.new-stale").mkdir()
    (tmp_path / ".site.staging.new-busy").mkdir()  # another export's build in progress
    export(site, tmp_path / "site")
    assert not (tmp_path / ".site.new-stale").exists() and (tmp_path / ".site.staging.new-busy").exists()


def test_folders_are_timed_like_their_newest_file(site, tmp_path):
    export(site, tmp_path / "public")
    folder = tmp_path / "public" / "themes" / "smuggling"
    assert os.stat(folder).st_mtime == max(p.stat().st_mtime for p in folder.iterdir())


def test_worker_processes_write_the_same_tree_as_one_process(catalog, config, tmp_path, monkeypatch):
    """feeds build renders and writes item pages in forked workers while it writes the feeds."""
    import feeds.export
    from feeds.export import publish_build, publishing
    from feeds.site import Build

    def tree_with_times(root):
        return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None, p.stat().st_mtime,
                                                 p.stat().st_mode) for p in root.rglob("*")}

    monkeypatch.setattr(feeds.export, "PARALLEL_FROM", 1)
    monkeypatch.setattr(feeds.export, "CHUNK", 3)  # several tasks, finishing while the feeds are written
    trees = []
    for processes in (1, 2):
        out = tmp_path / f"public-{processes}"
        with publishing(out):
            changes = publish_build(Build(catalog, config), out, processes)
        assert len(changes.added) == Build(catalog, config).size()
        trees.append(tree_with_times(out))
    assert trees[0] == trees[1]
    assert sum(1 for name in trees[0] if name.startswith("items/") and name.count("/") == 2 and name.endswith(".html")) == 10


def test_changes_are_found_from_the_manifest_and_without_one(site, tmp_path):
    from feeds.export import MARKER, manifest_of
    out = tmp_path / "public"
    export(site, out)
    feed = site["/feed.atom"]
    assert manifest_of(out)["feed.atom"] == (feed.etag, feed.gzip_etag, len(feed.body), len(feed.gzip),
                                              feed.last_modified.timestamp(), "atom", "-", feed.recipe)
    (out / "feed.atom").write_bytes(b"edited by hand")  # the manifest still lists the built bytes
    assert export(site, out).changed == []
    (out / MARKER).write_text("written by feeds build; the folder is replaced whole by the next\n")  # older export
    (out / "feed.rss").write_bytes(b"edited by hand")
    changes = export(site, out)
    assert changes.changed == ["feed.rss"] and changes.unchanged == len(site) - 1


def _dies_in_a_worker(task):
    import multiprocessing
    import signal
    if multiprocessing.parent_process() is not None:  # not the main process, which takes tasks too
        os.kill(os.getpid(), signal.SIGKILL)
    return {}, {}


def running(pid):
    """Whether a process runs, as the kernel sees it. multiprocessing can keep listing a child that
    ended, when another thread (the pool's) collected its exit status first."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _dies_or_lingers(task):
    import multiprocessing
    import signal
    import time
    if multiprocessing.parent_process() is not None:  # in a worker
        if task == 0:
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
        time.sleep(20)  # a long part, which the failure must cut short
    return task


def test_a_worker_that_dies_is_an_error_not_a_wait_and_leaves_no_worker_running():
    import multiprocessing
    import time
    from feeds.workers import WorkerDied, alongside
    start = time.monotonic()
    with pytest.raises(WorkerDied):
        list(alongside(_dies_or_lingers, range(8), 3))
    assert time.monotonic() - start < 15  # the other worker was stopped, not waited for
    assert not [child.pid for child in multiprocessing.active_children() if running(child.pid)]


def _fails_here_lingers_there(task):
    import multiprocessing
    import time
    if multiprocessing.parent_process() is None and task == 3:  # the main process, interrupted
        raise KeyboardInterrupt
    time.sleep(20 if multiprocessing.parent_process() else 0)
    return task


def test_an_interrupted_build_stops_its_workers_at_once():
    import multiprocessing
    import time
    from feeds.workers import alongside
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        list(alongside(_fails_here_lingers_there, range(8), 3))
    assert time.monotonic() - start < 15
    assert not [child.pid for child in multiprocessing.active_children() if running(child.pid)]


def test_a_worker_dying_mid_export_leaves_the_previous_export_whole(catalog, config, site, tmp_path, monkeypatch):
    import feeds.export
    from feeds.export import publish_build, publishing
    from feeds.site import Build
    from feeds.workers import WorkerDied
    out = tmp_path / "public"
    export(site, out)
    before = tree(out)

    monkeypatch.setattr(feeds.export, "_write_part", _dies_in_a_worker)
    monkeypatch.setattr(feeds.export, "PARALLEL_FROM", 1)
    monkeypatch.setattr(feeds.export, "MOSTLY_CARRIED", -1)  # workers, though every document could be carried over
    with pytest.raises(WorkerDied), publishing(out):
        publish_build(Build(catalog, config), out, 2)
    assert tree(out) == before
    assert sorted(os.listdir(tmp_path)) == [".public.lock", "public"]


def _task_and_process(task):
    import time
    time.sleep(0.02)
    return task, os.getpid()


def test_the_main_process_works_alongside_its_workers_and_every_task_runs_once():
    from feeds.workers import alongside
    results = list(alongside(_task_and_process, range(40), 3))
    assert sorted(task for task, _ in results) == list(range(40))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 3  # this process and two workers
