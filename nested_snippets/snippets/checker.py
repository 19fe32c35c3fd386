"""Installing and running ``nested-kvm`` (``source/how-to/install-checker.rst``).

None of these runs on the fake host (they install software or run the checker on
the reader's machine); the tests check their shell syntax.
"""

from nested_snippets.model import NotExecuted, command_line, foreign_config, snippet

install_pipx = snippet(command_line("pipx install ./nested-kvm-guide/checker"))
install_pip = snippet(command_line("python3 -m pip install --user ./nested-kvm-guide/checker"))

pipx_ensurepath = snippet(command_line("pipx ensurepath"))
"""Adds pipx's bin directory (~/.local/bin unless PIPX_BIN_DIR) to PATH in the shell's
start-up file, when ``nested-kvm`` is installed but not found."""

pip_version = snippet(command_line("python3 -m pip --version"))

install_venv_new_pip = snippet(
    command_line("""
        python3 -m venv ~/.local/nested-kvm && \\
            ~/.local/nested-kvm/bin/python -m pip install --upgrade pip && \\
            ~/.local/nested-kvm/bin/python -m pip install ./nested-kvm-guide/checker
    """),
)
"""When the system's pip is older than the floor: a virtual environment whose own pip
is upgraded first (from PyPI or the site's mirror); the system's pip, which the
distribution's package manager owns, is left alone.  The command is then
``~/.local/nested-kvm/bin/nested-kvm``."""

download_backend = snippet(command_line("python3 -m pip download --no-deps -d wheels setuptools"))
"""Where there is a network: the build backend's wheel, to carry over with the sources
(checker/pyproject.toml's [build-system] requires names it; ``pip download`` installs
nothing, so PEP 668 does not refuse it)."""

install_offline = snippet(
    command_line("""
        python3 -m venv ~/.local/nested-kvm && \\
            ~/.local/nested-kvm/bin/python -m pip install --no-index \\
                --find-links ./wheels --upgrade setuptools && \\
            ~/.local/nested-kvm/bin/python -m pip install --no-index \\
                --no-build-isolation ./nested-kvm-guide/checker
    """),
)
"""Without a network: the carried wheel goes into the environment first (--upgrade: a
venv of Python 3.11 or older already holds an older setuptools, which pip would keep),
then pip builds the checker with it (--no-build-isolation) and looks nowhere else
(--no-index).  Run as written on 2026-12-03 with PIP_CONFIG_FILE=/dev/null (Python
3.11 venv, pip 23.2.1; wheel setuptools 84.2.1): nested-kvm installed.  Without
--upgrade, the venv's setuptools 65.5.0 stays and stops at metadata ("project.license
must be valid exactly by one definition"); without --no-build-isolation, pip cannot
install the build dependencies from no index."""

build_pyz = snippet(command_line("make -C nested-kvm-guide pyz"))
RHEL9_PYTHONS = "https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/9/html/\
installing_and_using_dynamic_programming_languages/\
assembly_introduction-to-python_installing-and-using-dynamic-programming-languages"
"""RHEL 9, "Installing and using dynamic programming languages", 1.1 "Python versions"."""

rhel9_python311 = snippet(
    command_line("sudo dnf install python3.11"),
    not_executed=NotExecuted(
        why="runs on RHEL 9.2 or later, whose AppStream repository has python3.11 "
        "beside the system's python3 (3.9); no dnf here",
        source=RHEL9_PYTHONS,
        read="2026-12-02",
    ),
)
build_pyz_python311 = snippet(command_line("make -C nested-kvm-guide pyz PYTHON=python3.11"))
"""The Makefile's interpreter variable, ``PYTHON`` (``make pyz`` runs ``$(PYTHON)``)."""
man_page_python311 = snippet(command_line("make -C nested-kvm-guide man PYTHON=python3.11"))
"""``make man`` makes ``.venv`` with ``$(PYTHON) -m venv`` when there is none yet."""

copy_pyz = snippet(command_line("scp nested-kvm-guide/build/nested-kvm.pyz server:"))

verify_download = snippet(command_line("sha256sum -c nested-kvm.pyz.sha256"))
"""The checksum file the HTML build writes beside the zipapp (sphinxext/pyz.py): one
``DIGEST  nested-kvm.pyz`` line, as ``sha256sum -c`` reads it (tests/test_pyz_download.py
runs it on a built site)."""
copy_download = snippet(command_line("scp nested-kvm.pyz server:"))

run_pyz = snippet(command_line("python3 nested-kvm.pyz check"))
run_check = snippet(command_line("nested-kvm check"))

run_own_guide_url = snippet(
    command_line("NESTED_KVM_GUIDE_URL=https://docs.example.org/nested-kvm/ nested-kvm check"),
)
"""The variable is ``nested_snippets.cli.guide.ENV``; its use is tested in tests/cli."""

run_no_probe = snippet(command_line("nested-kvm check --no-probe --json > nested-kvm.json"))

fleet_loop = snippet(
    command_line("""
        while read -r host; do
            ssh -n "$host" python3 nested-kvm.pyz check --no-probe --json > "$host.json"
            echo "$host $?"
        done < hosts.txt > exit-status.txt
    """),
    not_executed=NotExecuted(
        why="needs servers reachable by ssh; ssh exits with the remote command's "
        "status (here nested-kvm's 0, 1 or 2) or 255 when ssh itself fails, and -n "
        "keeps it from reading the rest of hosts.txt from standard input",
        # ssh(1) of OpenSSH 9.2p1 (Debian 12 openssh-client 1:9.2p1-2+deb12u6):
        # sections EXIT STATUS and -n, read from the installed manual page.
        source="https://manpages.debian.org/bookworm/openssh-client/ssh.1.en.html",
        read="2026-12-02",
    ),
)

fleet_playbook = snippet(
    foreign_config(
        "nested-kvm-check.yml",
        """
        - name: Check nested KVM on every host
          hosts: kvm_hosts
          gather_facts: false
          tasks:
            - name: Make a private directory
              ansible.builtin.tempfile:
                state: directory
                prefix: nested-kvm.
              register: tmp

            - name: Copy the checker
              ansible.builtin.copy:
                src: nested-kvm.pyz
                dest: "{{ tmp.path }}/nested-kvm.pyz"
                mode: "0600"

            - name: Run nested-kvm check (0 ready, 1 not ready, 2 could not check)
              ansible.builtin.command:
                argv: [python3, "{{ tmp.path }}/nested-kvm.pyz", check, --no-probe, --json]
              register: run
              changed_when: false
              failed_when: run.rc not in [0, 1, 2]

            - name: Remove the directory
              ansible.builtin.file:
                path: "{{ tmp.path }}"
                state: absent

            - name: Read the result
              ansible.builtin.set_fact:
                nested_kvm: "{{ run.stdout | from_json }}"

            - name: Hosts that could not be checked
              ansible.builtin.fail:
                msg: "could not check: {{ nested_kvm.error }}"
              when: nested_kvm.exit == 2

            - name: Hosts that are not ready
              ansible.builtin.fail:
                msg: >-
                  {{ nested_kvm.verdict.level }} not ready:
                  {{ nested_kvm.checks | selectattr('status', 'equalto', 'FAIL')
                     | map(attribute='url') | list }}
              when: nested_kvm.exit == 1
        """,
        language="yaml",
    ),
    not_executed=NotExecuted(
        why="needs an inventory of servers (group kvm_hosts); the tests check it with "
        "ansible-core's ansible-playbook --syntax-check and the JSON keys it reads "
        "against the published schema",
        source="ansible-core 2.19.14, ansible-doc of ansible.builtin.tempfile, copy, "
        "command (argv, rc), file and fail",
        read="2026-12-02",
    ),
)
"""Run from the directory that holds the checkout (``src:`` is relative to the
playbook); the JSON keys are those of source/_extra/schemas/nested-kvm-check-1.json."""

install_completion = snippet(
    command_line("""
        install -D -m 644 nested-kvm-guide/contrib/bash-completion/nested-kvm \\
            ~/.local/share/bash-completion/completions/nested-kvm
    """),
)

completion_from_bashrc = snippet(
    command_line("""
        echo '. ~/.local/share/bash-completion/completions/nested-kvm' >> ~/.bashrc
    """),
)
"""Without the bash-completion package: bash reads the file at each start of an
interactive shell (contrib/bash-completion/nested-kvm falls back to COMP_WORDS and
compgen when _init_completion is not defined; tests/cli/test_reach.py)."""

man_page = snippet(
    command_line("make -C nested-kvm-guide man && man nested-kvm-guide/build/man/nested-kvm.1"),
)
