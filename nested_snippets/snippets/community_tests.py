"""Verify nesting with the KVM community's own tests.

Shown on ``source/how-to/community-tests.rst``.  Neither suite can run on a test
machine without a real KVM host, so the commands are shown as command lines
(syntax-checked) labelled "not executed here":

* kvm-unit-tests: ``run_tests.sh`` takes test names as arguments (``only_tests``) and
  ``-g GROUP``; ``x86/unittests.cfg`` defines ``[vmx]`` (``vmx.flat``, ``-cpu
  max,+vmx``, group ``vmx``) and ``[svm]`` (``svm.flat``, ``-cpu max,+svm -m 4g``,
  ``smp = 2``) (kvm-unit-tests/kvm-unit-tests, read 2026-12-01).
* KVM selftests: the program names are from
  ``tools/testing/selftests/kvm/Makefile.kvm`` @ v6.18.2 (``x86/`` directory); the
  7.0.0 and 7.1.3 trees build ``nested_set_state_test`` and ``nested_close_kvm_test``
  instead of ``vmx_set_nested_state_test`` and ``vmx_close_while_nested_test``, so the
  VMX loop names both and skips, saying so, a program the tree lacks;
  ``TEST_REQUIRE()`` skips with ``1..0 # SKIP - Requirement not met: ...``
  (``include/test_util.h`` and ``kselftest.h`` @ v6.18.2).
"""

from nested_snippets.model import NotExecuted, command_line, snippet

_KUT = NotExecuted(
    why="needs a build of kvm-unit-tests and a host with /dev/kvm",
    source="https://gitlab.com/kvm-unit-tests/kvm-unit-tests/-/blob/master/x86/unittests.cfg",
    read="2026-12-01",
)
_SELFTESTS = NotExecuted(
    why="needs a kernel source tree and a host with /dev/kvm",
    source="tools/testing/selftests/kvm/Makefile.kvm@v6.18.2",
    read="2026-12-01",
)

kut_build = snippet(
    command_line("""
        git clone https://gitlab.com/kvm-unit-tests/kvm-unit-tests.git
        cd kvm-unit-tests && ./configure && make -j"$(nproc)"
    """),
    not_executed=_KUT,
)

kut_vmx = snippet(
    command_line("./run_tests.sh -g vmx"),
    not_executed=_KUT,
)

kut_svm = snippet(
    command_line("./run_tests.sh svm"),
    not_executed=_KUT,
)

selftests_build = snippet(
    command_line('make -C tools/testing/selftests/kvm -j"$(nproc)"'),
    not_executed=_SELFTESTS,
)

def _run_each(*tests: str):
    names = " \\\n                 ".join(
        " ".join(tests[i : i + 2]) for i in range(0, len(tests), 2)
    )
    return command_line(f"""
        cd tools/testing/selftests/kvm
        for t in {names}; do
            [ -x "$t" ] || {{ echo "not in this tree: $t"; continue; }}
            ./"$t" || echo "FAILED: $t"
        done
    """)


selftests_vmx = snippet(
    _run_each("x86/vmx_set_nested_state_test", "x86/nested_set_state_test",
              "x86/vmx_close_while_nested_test", "x86/nested_close_kvm_test",
              "x86/vmx_invalid_nested_guest_state", "x86/nested_exceptions_test"),
    not_executed=_SELFTESTS,
)

selftests_svm = snippet(
    _run_each("x86/svm_int_ctl_test", "x86/svm_nested_shutdown_test",
              "x86/svm_nested_soft_inject_test", "x86/nested_exceptions_test"),
    not_executed=_SELFTESTS,
)
