"""Out-link roles (nested_snippets/sphinxext/links.py): targets, URLs, bad input."""

from __future__ import annotations

import pytest

from nested_snippets.sphinxext import links
from tests.conftest import sphinx_build


def test_commit_links_to_its_kernel_org_page():
    uri, shown = links.commit_uri("1e58e5e59148")
    assert uri == (
        "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/"
        "?id=1e58e5e59148"
    )
    assert shown == "1e58e5e59148"


def test_kernel_file_at_a_release_links_to_that_line_in_elixir():
    uri, shown = links.kfile_uri("arch/x86/kvm/svm/svm.c:143@v6.1.20")
    assert uri == "https://elixir.bootlin.com/linux/v6.1.20/source/arch/x86/kvm/svm/svm.c#L143"
    assert shown == "arch/x86/kvm/svm/svm.c:143 @ v6.1.20"
    assert links.kfile_uri("virt/kvm/kvm_main.c@v6.14.0") == (
        "https://elixir.bootlin.com/linux/v6.14/source/virt/kvm/kvm_main.c",
        "virt/kvm/kvm_main.c @ v6.14",
    )  # a release's tag has no .0: elixir has no v6.14.0
    assert links.kfile_uri("include/uapi/linux/kvm.h@v4.19")[0].endswith("v4.19/source/"
                                                                         "include/uapi/linux/kvm.h")


@pytest.mark.parametrize(
    "make, target",
    [
        (links.commit_uri, "1E58E5"),
        (links.commit_uri, "zzzzzzz"),
        (links.kfile_uri, "arch/x86/kvm/vmx/vmx.c"),
        (links.kfile_uri, "../etc/passwd@v6.1"),
        (links.kfile_uri, "/arch/x86/kvm/x86.c@v6.1"),
        (links.kfile_uri, "arch/x86/kvm/x86.c@6.1"),
        (links.kvm_list_uri, "not a message id"),
    ],
)
def test_malformed_targets_are_refused(make, target):
    with pytest.raises(links.BadTarget):
        make(target)


def test_kvm_list_address_links_the_archive_and_a_message_id_its_message():
    assert links.kvm_list_uri("kvm@vger.kernel.org")[0] == "https://lore.kernel.org/kvm/"
    assert links.kvm_list_uri("2020@redhat.com")[0] == "https://lore.kernel.org/kvm/2020@redhat.com/"


def test_repository_url_only_from_an_https_address(monkeypatch):
    monkeypatch.delenv("READTHEDOCS_GIT_CLONE_URL", raising=False)
    assert links.repository_url("") == ""
    assert links.repository_url("https://example.org/g/r.git") == "https://example.org/g/r"
    monkeypatch.setenv("READTHEDOCS_GIT_CLONE_URL", "git@example.org:g/r.git")
    assert links.repository_url("") == ""


def test_a_bad_role_target_fails_the_build_naming_page_and_line(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "index.rst").write_text(
        "Title\n=====\n\nGood :commit:`1e58e5e59148` and :kfile:`title <x/y.c:3@v6.1>`.\n\n"
        "Bad :commit:`nothex`.\n"
    )
    proc = sphinx_build(src, tmp_path / "out", "-q")
    assert proc.returncode != 0
    assert "index.rst:6" in proc.stderr and ":commit: 'nothex'" in proc.stderr, proc.stderr
