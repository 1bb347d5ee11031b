"""The Linux fact parser on recorded outputs: a real Debian 12 container, a hardened
Ubuntu 22.04 file server, truncated output and garbage."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from auditor.collect.base import truncated
from auditor.collect.linux.sections import split_sections
from auditor.collect.linux_parse import parse_host
from auditor.facts import TimeSync
from tests.helpers import NOW, raw


def hardened():
    return parse_host(split_sections(raw("ubuntu2204-hardened.txt")), backup_path="/mnt/backup")


def test_os_and_clock() -> None:
    h = hardened()
    assert h.os.distro_id == "ubuntu" and h.os.version_id == "22.04"
    assert h.os.hostname == "fileserver-xa"
    assert h.collected_at == datetime.fromtimestamp(1764000000, UTC)


def test_password_policy_from_pwquality_credits_and_login_defs() -> None:
    p = hardened().password_policy
    assert p is not None
    assert (p.min_length, p.min_classes, p.max_age_days, p.history) == (12, 3, 60, 5)
    assert p.source == "pam_pwquality"


def test_lockout_from_faillock_conf() -> None:
    lock = hardened().lockout
    assert lock is not None and (lock.threshold, lock.duration_s) == (5, 900)


def test_firewall_ufw_active() -> None:
    fw = hardened().firewall
    assert fw is not None and fw.enabled is True and fw.backend == "ufw"


def test_listeners_only_listening_sockets_decoded() -> None:
    listeners = hardened().listeners
    assert listeners is not None
    seen = {(lst.proto, lst.address, lst.port) for lst in listeners}
    assert ("tcp", "0.0.0.0", 22) in seen
    assert ("tcp", "0.0.0.0", 445) in seen
    assert ("tcp", "127.0.0.1", 3306) in seen
    assert ("tcp", "::", 22) in seen
    assert ("udp", "127.0.0.53", 53) in seen
    assert ("udp", "0.0.0.0", 123) in seen
    assert not any(lst.port == 54321 for lst in listeners)  # established connection, not listener


def test_accounts_lastlog_and_privileges() -> None:
    h = hardened()
    assert h.accounts is not None
    by_name = {a.name: a for a in h.accounts}
    assert by_name["quantri"].can_login and by_name["quantri"].password == "set"
    assert by_name["quantri"].last_login == datetime(2025, 11, 24, 1, 15, 2, tzinfo=UTC)
    assert by_name["root"].never_logged_in is True
    assert by_name["daemon"].can_login is False
    assert h.privileges is not None
    assert h.privileges.uid0_accounts == ["root"]
    assert h.privileges.sudo_users == ["quantri", "root"]


def test_antimalware_patching_logging_time_backup_encryption() -> None:
    h = hardened()
    assert h.antimalware is not None
    clam = h.antimalware.products[0]
    assert clam.name == "ClamAV" and clam.running is True and clam.realtime is False
    assert clam.signature_time == datetime.fromtimestamp(1763960000, UTC)
    assert h.patching is not None
    assert h.patching.pending_updates == 0 and h.patching.pending_security == 0
    # dpkg.log is local time (+0700): 03:14:07 local is 20:14:07 UTC the day before
    assert h.patching.last_update == datetime(2025, 11, 21, 20, 14, 7, tzinfo=UTC)
    assert h.logging is not None
    assert h.logging.journald_persistent and h.logging.syslog_daemon
    assert h.logging.retention_days == 91
    assert h.time is not None and h.time.synchronized is True
    assert h.backup is not None and h.backup.files == 14 and h.backup.same_device_as_root is False
    assert h.encryption is not None and h.encryption.root_encrypted is True
    assert h.packages is not None and set(h.packages) >= {"clamav-daemon", "ufw"}


def test_real_debian_container_output() -> None:
    sections = split_sections(raw("debian12-container.txt"))
    h = parse_host(sections)
    assert h.os.distro_id == "debian" and h.os.version_id == "12"
    assert h.password_policy is not None and h.password_policy.source == "pam_unix"
    assert h.lockout is not None and h.lockout.threshold == 0
    assert h.patching is not None and h.patching.pending_security is not None
    assert truncated(sections) == []


def test_truncated_output_keeps_what_arrived_and_flags_it() -> None:
    sections = split_sections(raw("ubuntu2204-truncated.txt"))
    h = parse_host(sections)
    assert [f.code for f in truncated(sections)] == ["collect.truncated"]
    assert h.os.distro_id == "ubuntu"
    assert h.firewall is None and h.backup is None and h.packages is None  # unknown, not False


def test_garbage_output_yields_unknowns_not_passes() -> None:
    sections = split_sections(raw("garbage.txt"))
    assert sections == {}
    h = parse_host(sections)
    assert h.firewall is None and h.password_policy is None and h.antimalware is None
    assert h.accounts is None and h.privileges is None


def test_hostile_values_do_not_crash_the_parser() -> None:
    text = (
        "@@AUDITOR-SECTION clock@@\nnot-a-number\n@@AUDITOR-SECTION lsblk@@\n{broken json\n"
        "@@AUDITOR-SECTION faillock@@\ndeny = many\n@@AUDITOR-SECTION pam@@\n"
        "auth required pam_faillock.so deny=\n@@AUDITOR-SECTION backup@@\nnewest zzz\n"
    )
    h = parse_host(split_sections(text), backup_path="/b")
    assert h.encryption is None  # broken JSON → unknown
    assert h.lockout is not None and h.lockout.threshold is None
    assert h.backup is None


def test_rhel_family_rpm_dnf_firewalld() -> None:
    h = parse_host(split_sections(raw("rocky9-dnf.txt")))
    assert h.os.distro_id == "rocky" and h.os.version_id == "9.3"
    assert h.patching is not None
    assert h.patching.manager == "rpm"
    assert h.patching.last_update == datetime.fromtimestamp(1761000000, UTC)
    assert (h.patching.pending_updates, h.patching.pending_security) == (2, 2)
    assert h.password_policy is not None
    assert (h.password_policy.min_length, h.password_policy.min_classes) == (14, 4)
    assert h.password_policy.history == 10
    assert h.lockout is not None and (h.lockout.threshold, h.lockout.duration_s) == (4, 0)
    assert h.firewall is not None and h.firewall.backend == "firewalld" and h.firewall.enabled


def test_firewall_unreadable_without_root_is_unknown() -> None:
    text = (
        "@@AUDITOR-SECTION firewall@@\n@@nft\nnetlink: Error: cache initialization failed: "
        "Operation not permitted\n@@iptables\niptables v1.8.9 (nf_tables): Permission denied "
        "(you must be root)\n@@AUDITOR-SECTION end@@\n"
    )
    assert parse_host(split_sections(text)).firewall is None


def test_truncated_output_gives_no_pass_from_what_arrived() -> None:
    """The complete output passes some checks; the same host cut short passes none of them
    (a fail seen in what arrived still counts)."""
    from auditor.checking import Status, discover
    from auditor.engine import evaluate
    from auditor.facts import AssetFacts, Declared
    from auditor.inventory import Asset
    from auditor.policy import load_policy

    registry = discover()
    pack = load_policy("nd85-level2", registry)
    asset = Asset.model_validate(
        {
            "id": "fs1",
            "name": "FS",
            "kind": "linux",
            "connection": "ssh",
            "address": "10.0.0.5",
            "credential": {"user": "an", "agent": True},
        }
    )

    def statuses(name: str) -> set[Status]:
        sections = split_sections(raw(name))
        facts = AssetFacts(
            asset_id="fs1",
            declared=Declared(kind="linux"),
            host=parse_host(sections),
            failures=truncated(sections),
        )
        evaluation = evaluate(pack, [asset], {"fs1": facts}, {}, registry, NOW.date())
        return {c.status for r in evaluation.asset_results for c in r.checks if c.check != "scan"}

    assert Status.passed in statuses("ubuntu2204-hardened.txt")
    assert Status.passed not in statuses("ubuntu2204-truncated.txt")


def test_time_offset_from_chrony_and_timesyncd() -> None:
    """`chronyc tracking` and `timedatectl timesync-status` as they print (offsets from the
    chrony and systemd documentation's examples)."""
    from auditor.collect.linux.system import time_sync as _time

    chrony = (
        "NTP=yes\nNTPSynchronized=yes\n@@chrony\nReference ID    : C0A80101 (192.168.1.1)\n"
        "Stratum         : 3\nSystem time     : 0.000123456 seconds slow of NTP time\n"
        "Leap status     : Normal\n"
    )
    t = _time(chrony, ["chronyd"])
    assert t is not None and t.synchronized is True and t.offset_s == 0.000123456
    timesyncd = (
        "NTPSynchronized=yes\n@@timesyncd\n       Server: 10.0.0.1\n       Offset: -7.412s\n"
    )
    t = _time(timesyncd, ["systemd-timesyncd"])
    assert t is not None and t.offset_s == 7.412
    ms = "NTPSynchronized=yes\n@@timesyncd\n       Offset: +1.234ms\n"
    assert (_time(ms, []) or TimeSync()).offset_s == 0.001234
    unsynced = chrony.replace("Leap status     : Normal", "Leap status     : Not synchronised")
    assert (_time(unsynced, []) or TimeSync()).synchronized is False
    # no systemd verdict (an older system, or only chrony): chrony's own leap status decides
    chrony_only = chrony.replace("NTP=yes\nNTPSynchronized=yes\n", "")
    assert (_time(chrony_only, ["chronyd"]) or TimeSync()).synchronized is True
    no_leap = chrony_only.replace("Leap status     : Normal\n", "")
    assert (_time(no_leap, ["chronyd"]) or TimeSync()).synchronized is None  # near miss


def test_routeros_ntp_servers_named_by_dns() -> None:
    from auditor.collect.netdev.mikrotik import parse_mikrotik

    base = "# jan/02/2025 by RouterOS 6.49.10\n/ip service\nset telnet disabled=yes\n"
    named = parse_mikrotik(
        base + "/system ntp client\nset enabled=yes server-dns-names=vn.pool.ntp.org\n"
    )
    assert named.ntp_servers == ["vn.pool.ntp.org"]
    empty = parse_mikrotik(base + '/system ntp client\nset enabled=yes server-dns-names=""\n')
    assert empty.ntp_servers == []


def test_backup_on_a_second_partition_of_the_system_disk_is_not_separate() -> None:
    from auditor.collect.linux.system import backup as _backup

    base = "@@exists\nfiles 3\nnewest 1763500000\nfstype ext2/ext3\n"
    same_disk = base + "dev 2050 2049\ndisks_backup sda,\ndisks_root sda,\nsource_fstype ext4\n"
    other_disk = base + "dev 2065 2049\ndisks_backup sdb,\ndisks_root sda,\nsource_fstype ext4\n"
    lvm_on_both = base + "dev 65025 65024\ndisks_backup sda,sdb,\ndisks_root sda,\n"
    nas = base + "dev 52 2049\nsource_fstype nfs4\n"
    no_lsblk = base + "dev 2065 2049\n"
    cases = {same_disk: True, other_disk: False, lvm_on_both: True, nas: False, no_lsblk: False}
    for body, same in cases.items():
        backup = _backup("/mnt/backup", body)
        assert backup is not None and backup.same_device_as_root is same, body


def test_freshclam_failures_are_findings_beside_up_to_date_lines() -> None:
    """freshclam's log as it prints (ClamAV 1.x); a failure counts even when a later line
    says another database is up to date."""
    from auditor.checking import Status, discover

    registry = discover()
    clamav = "1763600000 /var/lib/clamav/daily.cld\n1763600000 /var/lib/clamav/main.cvd\n"
    ok_log = (
        "Fri Nov 20 09:00:01 2026 -> daily.cld database is up-to-date (version: 27830, "
        "sigs: 2074590, f-level: 90, builder: raynman)\n"
    )
    bad_log = (
        "Fri Nov 20 09:00:01 2026 -> ERROR: Update failed for database: daily\n"
        "Fri Nov 20 09:00:01 2026 -> WARNING: Your ClamAV installation is OUTDATED!\n" + ok_log
    )
    for log, expected in ((ok_log, Status.passed), (bad_log, Status.failed)):
        sections = {"clamav": clamav, "freshclam": log, "processes": "clamd\nfreshclam\n"}
        h = parse_host(sections)
        h = h.model_copy(update={"collected_at": datetime(2025, 11, 20, 12, tzinfo=UTC)})
        outcome = registry["av.signature_age"].run(h, {"max_days": 3})
        assert outcome.status is expected, outcome


def test_pending_updates_from_apt_list_upgradable() -> None:
    """Recorded `apt list --upgradable` on a Debian 12 host with real package lists: every
    upgradable package counts, security ones by their suite, never by their name."""
    text = raw("debian12-aptlist.txt")
    pending = text.split("@@aptlist\n", 1)[1].split("@@AUDITOR-SECTION", 1)[0].splitlines()
    rows = [line for line in pending if "[upgradable from:" in line]
    expected_security = sum("security" in r.split()[0].split("/", 1)[1] for r in rows)
    h = parse_host(split_sections(text))
    assert h.patching is not None and h.patching.manager == "dpkg"
    assert h.patching.pending_updates == len(rows) > 0
    assert h.patching.pending_security == expected_security > 0
    near_miss = text.replace(
        "Listing...\n",
        "Listing...\npython3-security-tools/oldstable 2.0 all [upgradable from: 1.0]\n",
    )
    again = parse_host(split_sections(near_miss)).patching
    assert again is not None and again.pending_security == expected_security  # name only
    assert again.pending_updates == len(rows) + 1
    # apt that did not run (no "Listing..." header, no rows) is unknown, not "nothing pending"
    silent = (
        text.split("@@aptlist\n", 1)[0]
        + "@@aptlist\n@@AUDITOR-SECTION"
        + text.split("@@aptlist\n", 1)[1].split("@@AUDITOR-SECTION", 1)[1]
    )
    unknown = parse_host(split_sections(silent)).patching
    assert unknown is not None and unknown.pending_updates is None
    assert unknown.pending_security is None


def test_a_host_clock_a_year_behind_is_measured_and_never_dates_the_facts() -> None:
    """Live collection dates the facts by the auditor's clock and measures the host's
    against it; time.sync fails on the skew even when NTP says synchronised."""
    from datetime import UTC, datetime, timedelta

    from auditor.checking import discover
    from auditor.collect.linux.sections import split_sections
    from auditor.collect.linux_parse import parse_host

    sections = split_sections(raw("ubuntu2204-hardened.txt"))
    now = datetime.now(UTC).replace(microsecond=0)
    behind = int((now - timedelta(days=365)).timestamp())
    sections["clock"] = f"{behind} +0700\n"
    host = parse_host(sections, received_at=now)
    assert host.collected_at == now
    assert host.clock_skew_s is not None and abs(host.clock_skew_s + 365 * 86400) < 5
    outcome = discover()["time.sync"].run(host, {"max_offset_s": 5, "max_skew_s": 300})
    assert outcome.status.value == "fail" and outcome.note == "outcome.clock_skew"
    imported = parse_host(sections)  # an import knows only the host's clock
    assert imported.clock_skew_s is None and imported.collected_at.timestamp() == behind


def test_the_wazuh_agent_state_and_managers_are_read() -> None:
    """As linux_facts.sh prints them: the status line of wazuh-agentd.state (the agent
    rewrites it every few seconds) and the <address> lines of ossec.conf."""
    from auditor.collect.linux.system import wazuh_agent

    agent = wazuh_agent("status='connected'\naddress=soc.sonla.gov.vn\naddress=10.10.0.5\n")
    assert agent is not None and agent.status == "connected"
    assert agent.managers == ["soc.sonla.gov.vn", "10.10.0.5"]
    pending = wazuh_agent("status='pending'\naddress=soc.sonla.gov.vn\n")
    assert pending is not None and pending.status == "pending"
    assert wazuh_agent("") is None and wazuh_agent(None) is None  # no agent state on the host


def test_factory_passwords_are_tried_on_the_host_by_its_own_crypt(tmp_path: Path) -> None:
    """The real fact script on this machine's /bin/sh and perl, against a shadow file with a
    yescrypt pi/raspberry (Raspberry Pi OS), a SHA-512 ubuntu with a changed password, a
    locked kali and a hash kind crypt cannot verify: only names come back, never a hash."""
    import subprocess

    from auditor.checking import Status, discover
    from auditor.collect.base import linux_script
    from auditor.collect.linux.sections import split_sections
    from auditor.collect.linux_parse import parse_host
    from auditor.inventory import Asset

    def crypt(password: str, setting: str) -> str:
        made = subprocess.run(
            ["perl", "-e", "print crypt($ARGV[0], $ARGV[1])", password, setting],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert made.startswith("$"), made
        return made

    pi = crypt("raspberry", "$y$j9T$F31F/jItUvvjOv6IBFNea/")
    ubuntu = crypt("a-changed-password", "$6$saltsaltsalt$")
    shadow = tmp_path / "shadow"
    shadow.write_text(
        f"root:!:19000:0:99999:7:::\npi:{pi}:19000:0:99999:7:::\n"
        f"ubuntu:{ubuntu}:19000:0:99999:7:::\nkali:!{pi}:19000:0:99999:7:::\n"
        "admin:$unknownscheme$abc$def:19000:0:99999:7:::\n",
        encoding="utf-8",
    )
    asset = Asset.model_validate({"id": "h", "name": "H", "kind": "linux", "connection": "local"})
    run = subprocess.run(
        ["/bin/sh"],
        input=f"AUDITOR_SHADOW={shadow}\n" + linux_script(asset),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    sections = split_sections(run.stdout)
    assert sections["default_logins"].split() == ["pi", "@@unsupported", "admin", "@@done"]
    assert pi not in run.stdout and ubuntu not in run.stdout  # no hash leaves the host
    sections["passwd"] = "".join(  # the accounts of that shadow file (this machine has none)
        f"{name}:x:{1000 + i}:{1000 + i}::/home/{name}:/bin/bash\n"
        for i, name in enumerate(("pi", "ubuntu", "kali", "admin"))
    )
    facts = parse_host(sections)
    by_name = {a.name: a.factory_password for a in facts.accounts or []}
    assert by_name == {"pi": True, "ubuntu": False, "kali": False, "admin": None}
    check = discover()["acct.no_factory_password"]
    assert check.run(facts, {}).status is Status.failed
    assert check.run(facts, {}).observed == ["pi"]
    # near miss: perl stopped before its end (or the output was cut): never "none found"
    sections["default_logins"] = ""
    cut = parse_host(sections)
    assert {a.factory_password for a in cut.accounts or []} == {None}
    assert check.run(cut, {}).status is Status.error


def test_the_local_fact_script_starts_early_and_never_outlives_the_audit(tmp_path: Path) -> None:
    """`auditor audit` starts this machine's fact script as soon as the inventory is read
    (its output to a temporary file, so that it never waits on a full pipe); the collector
    takes that run's output; an audit that stops before collecting leaves no script behind."""
    import psutil
    import pytest

    from auditor.collect.local import collect_local, started_early
    from auditor.inventory import Asset

    asset = Asset.model_validate(
        {"id": "may-nay", "name": "Máy này", "kind": "linux", "connection": "local"}
    )
    with started_early([asset]) as early:
        run = early["may-nay"]
        result = collect_local(asset, 120, run)
    assert result.host is not None and result.host.os.family == "linux"
    assert not result.failures and run.process.returncode == 0
    with pytest.raises(RuntimeError), started_early([asset]) as early:
        pid = early["may-nay"].process.pid
        raise RuntimeError("the signing key could not be opened")
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
