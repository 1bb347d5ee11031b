# commune-auditor: Linux fact script. Read-only; prints marked sections; never prints secrets.
# Runs under /bin/sh (dash, busybox, bash) locally or over SSH as one batch per host.
# The caller prepends AUDITOR_BACKUP_PATH / AUDITOR_BACKUP_PATTERN and the exported
# AUDITOR_DEFAULT_LOGINS (factory user/password pairs) assignments.
AUDITOR_SHADOW=${AUDITOR_SHADOW:-/etc/shadow}
LC_ALL=C; export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH; export PATH
sec() { printf '\n@@AUDITOR-SECTION %s@@\n' "$1"; }
cap() { head -c 262144; }
have() { command -v "$1" >/dev/null 2>&1; }
nocomment() { grep -hv '^[[:space:]]*#' "$@" 2>/dev/null | grep -v '^[[:space:]]*$'; }

# The package manager's answer is the slowest part (~0.6 s over real apt lists): it runs
# alongside every other section through a pipe (no temporary file on the host), and is
# printed last. The sections read nothing from standard input.
pending_updates() {
  if have apt; then echo "@@aptlist"; apt list --upgradable 2>/dev/null | cap
  elif have apt-get; then echo "@@apt"; apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep '^Inst ' | cap
  elif have dnf; then echo "@@dnf"; dnf -q -C --security check-update 2>/dev/null | cap
  fi
}
pending_updates | {
exec 3<&0 </dev/null
sec os_release; cat /etc/os-release 2>/dev/null | cap
sec hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname
sec kernel; uname -sr
sec clock; date +%s; date +%z
sec wazuh
if [ -r /var/ossec/var/run/wazuh-agentd.state ]; then
  grep -E '^status=' /var/ossec/var/run/wazuh-agentd.state 2>/dev/null | head -1
  sed -n 's:.*<address>\([^<]*\)</address>.*:address=\1:p' /var/ossec/etc/ossec.conf 2>/dev/null | head -5
fi
sec uid; id -u
sec login_defs; nocomment /etc/login.defs | cap
sec pwquality; nocomment /etc/security/pwquality.conf /etc/security/pwquality.conf.d/*.conf | cap
sec pam
for f in /etc/pam.d/common-password /etc/pam.d/common-auth /etc/pam.d/system-auth /etc/pam.d/password-auth; do
  [ -r "$f" ] && { echo "# file $f"; nocomment "$f"; }
done | cap
sec faillock; nocomment /etc/security/faillock.conf | cap
sec passwd; cap < /etc/passwd
sec shadow
if [ -r "$AUDITOR_SHADOW" ]; then
  awk -F: '{s="set"; if ($2=="") s="empty"; else if ($2 ~ /^[!*]/) s="locked"; print $1":"s":"$3":"$5}' "$AUDITOR_SHADOW" | cap
else echo "@@unreadable"; fi
sec default_logins
# Each account named in AUDITOR_DEFAULT_LOGINS is tried with its factory password by this
# host's own crypt(3) through perl; only the names that verify are printed, never a hash.
if [ -r "$AUDITOR_SHADOW" ] && have perl; then
  perl -e '
    my %try;
    for (split /\n/, ($ENV{AUDITOR_DEFAULT_LOGINS} // "")) {
      my ($user, $password) = split / /, $_, 2;
      push @{$try{$user}}, $password if defined $password;
    }
    while (my $line = <STDIN>) {
      chomp $line;
      my ($user, $hash) = split /:/, $line;
      next unless defined $hash && $try{$user} && $hash =~ /^\$/;
      for my $password (@{$try{$user}}) {
        my $made = crypt($password, $hash);
        if (!defined $made || $made =~ /^\*/) { print "\@\@unsupported $user\n"; last }
        if ($made eq $hash) { print "$user\n"; last }
      }
    }
    print "\@\@done\n";' < "$AUDITOR_SHADOW" | cap
else echo "@@unreadable"; fi
sec group; cap < /etc/group
sec sudoers
if [ ! -e /etc/sudoers ]; then echo "@@absent"
elif [ -r /etc/sudoers ]; then
  for f in /etc/sudoers /etc/sudoers.d/*; do [ -f "$f" ] && { echo "# file $f"; nocomment "$f"; }; done | cap
else echo "@@unreadable"; fi
sec pkg_last_change
[ -r /var/log/dpkg.log ] && grep -h ' status installed ' /var/log/dpkg.log | tail -n 1
have rpm && echo "rpm $(rpm -qa --qf '%{INSTALLTIME}\n' 2>/dev/null | sort -n | tail -n 1)"
sec packages
if have dpkg-query; then dpkg-query -W -f '${Package}\t${Version}\n' 2>/dev/null | cap
elif have rpm; then rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n' 2>/dev/null | cap; fi
sec clamav
for f in /var/lib/clamav/daily.cld /var/lib/clamav/daily.cvd /var/lib/clamav/main.cld /var/lib/clamav/main.cvd; do
  [ -e "$f" ] && stat -c '%Y %n' "$f"
done
sec freshclam
for f in /var/log/clamav/freshclam.log /var/log/freshclam.log /var/log/clamav/clamav.log; do
  [ -r "$f" ] && tail -n 400 "$f" | grep -E 'older than|OUTDATED|ERROR|[Uu]pdate failed|Can.t download|up.to.date|updated' | tail -n 40
done
sec processes
cat /proc/[0-9]*/comm 2>/dev/null | sort -u | cap  # one cat, not one per process
sec listeners; cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null | cap
sec firewall
have nft && { echo "@@nft"; nft list ruleset 2>&1 | cap; }
have ufw && { echo "@@ufw"; ufw status 2>&1 | cap; }
have firewall-cmd && { echo "@@firewalld"; firewall-cmd --state 2>&1 | head -n 3; }
have iptables && { echo "@@iptables"; iptables -S 2>&1 | cap; }
sec journald
nocomment /etc/systemd/journald.conf /etc/systemd/journald.conf.d/*.conf
[ -d /var/log/journal ] && echo "@@var_log_journal"
sec logrotate; nocomment /etc/logrotate.conf | cap
sec authlog
for f in /var/log/auth.log /var/log/secure; do
  [ -r "$f" ] && echo "file $(tail -n 5000 "$f" | grep -cE 'Accepted |Failed password|authentication failure|sudo:')"
done
have journalctl && echo "journal $(journalctl -q -n 5000 SYSLOG_FACILITY=4 SYSLOG_FACILITY=10 -o cat 2>/dev/null | grep -cE 'Accepted |Failed password|authentication failure|sudo:')"
sec sshd
if have sshd; then
  out=$(sshd -T 2>/dev/null) && printf '%s\n' "$out" | grep -iE '^(permitrootlogin|passwordauthentication|kbdinteractiveauthentication|challengeresponseauthentication|authenticationmethods|permitemptypasswords|maxauthtries|clientaliveinterval|clientalivecountmax|ciphers|macs|kexalgorithms|loglevel) ' || echo "@@unreadable"
else echo "@@absent"; fi
sec timesync
have timedatectl && timedatectl show 2>/dev/null | grep -E '^(NTP|NTPSynchronized|CanNTP)='
have chronyc && { echo "@@chrony"; chronyc -n tracking 2>/dev/null | head -n 20; }
have timedatectl && { echo "@@timesyncd"; timedatectl timesync-status 2>/dev/null | head -n 20; }
sec lastlog; have lastlog && lastlog 2>/dev/null | cap
sec lsblk; have lsblk && lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT 2>/dev/null | cap
sec backup
if [ -n "${AUDITOR_BACKUP_PATH:-}" ]; then
  if [ -d "$AUDITOR_BACKUP_PATH" ]; then
    echo "@@exists"
    echo "files $(find "$AUDITOR_BACKUP_PATH" -maxdepth 4 -type f -name "${AUDITOR_BACKUP_PATTERN:-*}" 2>/dev/null | wc -l)"
    echo "newest $(find "$AUDITOR_BACKUP_PATH" -maxdepth 4 -type f -name "${AUDITOR_BACKUP_PATTERN:-*}" -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)"
    echo "dev $(stat -c %d "$AUDITOR_BACKUP_PATH") $(stat -c %d /)"
    echo "fstype $(stat -f -c %T "$AUDITOR_BACKUP_PATH")"
    # the physical disks under each filesystem (through partitions, LVM, LUKS): two
    # partitions of one disk are not separate storage
    disks() { lsblk -nslo NAME,TYPE "$1" 2>/dev/null | awk '$2=="disk"{print $1}' | sort -u | tr '\n' ','; }
    if have findmnt && have lsblk; then
      echo "disks_backup $(disks "$(findmnt -no SOURCE --target "$AUDITOR_BACKUP_PATH" | head -n 1)")"
      echo "disks_root $(disks "$(findmnt -no SOURCE --target / | head -n 1)")"
      echo "source_fstype $(findmnt -no FSTYPE --target "$AUDITOR_BACKUP_PATH" | head -n 1)"
    fi
  else echo "@@missing"; fi
fi
sec pending; cat <&3
sec end
}
