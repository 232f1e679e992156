"""The syscall policy of a job that may not create processes (native Lean), written once.

`RULES` is the policy; `bpf_filter()` compiles it to the classic-BPF program bubblewrap installs
(`bwrap --seccomp`), `docker_profile()` to the seccomp profile Docker installs. fork and vfork,
and clone without CLONE_THREAD, kill the whole process (SIGSYS, reported as the "processes"
limit); clone3 answers ENOSYS so glibc creates threads with clone instead. execve stays allowed
because the filter is installed before the command is exec'ed; without fork an exec can only
replace the sandboxed process, inside the same sandbox and limits.
"""

from __future__ import annotations

import dataclasses
import enum
import errno
import platform
import struct
from typing import Any

CLONE_THREAD = 0x00010000


class Action(enum.Enum):
    KILL_PROCESS = "SCMP_ACT_KILL_PROCESS"
    ERRNO = "SCMP_ACT_ERRNO"


@dataclasses.dataclass(frozen=True)
class Rule:
    syscalls: tuple[str, ...]
    action: Action
    errno: int = 0  # with Action.ERRNO
    # The rule applies only when the first argument lacks this flag (clone: threads are fine).
    unless_arg0_flag: int = 0
    # Docker only: the bubblewrap filter never refused these; adding them there would change
    # what native Lean may do under bubblewrap, which is its own decision.
    docker_only: bool = False


RULES: tuple[Rule, ...] = (
    Rule(("fork", "vfork"), Action.KILL_PROCESS),
    Rule(("clone",), Action.KILL_PROCESS, unless_arg0_flag=CLONE_THREAD),
    Rule(("clone3",), Action.ERRNO, errno=errno.ENOSYS),  # glibc falls back to clone
    # Syscalls a Lean job never needs and a kernel exploit often does.
    Rule(
        (
            "add_key",
            "bpf",
            "delete_module",
            "finit_module",
            "init_module",
            "kexec_file_load",
            "kexec_load",
            "keyctl",
            "mount",
            "move_mount",
            "open_by_handle_at",
            "perf_event_open",
            "pivot_root",
            "ptrace",
            "request_key",
            "setns",
            "umount2",
            "unshare",
            "userfaultfd",
        ),
        Action.ERRNO,
        errno=errno.EPERM,
        docker_only=True,
    ),
)

# --- classic BPF (x86-64)

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
_RET = {Action.KILL_PROCESS: 0x80000000, Action.ERRNO: 0x00050000}
_RET_ALLOW = 0x7FFF0000
_X86_64_NUMBERS = {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435}
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_ARCH_OFFSET, _NR_OFFSET, _ARG0_LOW_OFFSET = 4, 0, 16  # in struct seccomp_data


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _ret(rule: Rule) -> int:
    return _RET[rule.action] | rule.errno


def bpf_filter(rules: tuple[Rule, ...] = RULES) -> bytes | None:
    """The program for bwrap --seccomp (x86-64 only; None elsewhere). Another architecture's
    or the x32 ABI's syscalls kill the process: the numbers below would not mean them."""
    if platform.machine() != "x86_64":
        return None
    kill = _RET[Action.KILL_PROCESS]
    prog = [
        _insn(_LD_W_ABS, 0, 0, _ARCH_OFFSET),
        _insn(_JEQ_K, 1, 0, _AUDIT_ARCH_X86_64),
        _insn(_RET_K, 0, 0, kill),
        _insn(_LD_W_ABS, 0, 0, _NR_OFFSET),
        _insn(_JGE_K, 0, 1, _X32_SYSCALL_BIT),
        _insn(_RET_K, 0, 0, kill),
    ]
    ours = [r for r in rules if not r.docker_only]
    plain = [r for r in ours if not r.unless_arg0_flag]
    # A rule on an argument loads it over the syscall number: one such rule, and last.
    conditional = [r for r in ours if r.unless_arg0_flag]
    if len(conditional) > 1 or any(len(r.syscalls) != 1 for r in conditional):
        raise ValueError("the BPF compiler takes one argument rule on one syscall")
    for rule in plain:
        for syscall in rule.syscalls:
            prog += [_insn(_JEQ_K, 0, 1, _X86_64_NUMBERS[syscall]), _insn(_RET_K, 0, 0, _ret(rule))]
    for rule in conditional:
        prog += [
            _insn(_JEQ_K, 0, 3, _X86_64_NUMBERS[rule.syscalls[0]]),
            _insn(_LD_W_ABS, 0, 0, _ARG0_LOW_OFFSET),
            _insn(_JSET_K, 1, 0, rule.unless_arg0_flag),
            _insn(_RET_K, 0, 0, _ret(rule)),
        ]
    prog.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    return b"".join(prog)


# --- Docker's seccomp profile


def docker_profile(rules: tuple[Rule, ...] = RULES) -> dict[str, Any]:
    syscalls: list[dict[str, Any]] = []
    for rule in rules:
        entry: dict[str, Any] = {"names": list(rule.syscalls), "action": rule.action.value}
        if rule.unless_arg0_flag:
            entry["args"] = [{"index": 0, "value": rule.unless_arg0_flag, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]
        if rule.action is Action.ERRNO:
            entry["errnoRet"] = rule.errno
        syscalls.append(entry)
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
        "syscalls": syscalls,
    }
