<#
commune-auditor: Windows fact script (Windows PowerShell 5.1 or later, no modules to install).
Read-only. Run as an administrator on the PC being audited. Prints one JSON document.
It never depends on the display language: it reads CIM/WMI, the registry, `secedit /export`
and `auditpol /backup` (numeric settings), not localized command text. It never copies a
secret: for a stored auto-logon password it only records that one exists.

  powershell -NoProfile -ExecutionPolicy Bypass -File collect.ps1 -OutFile facts.json
  auditor import facts.json --asset pc-van-thu -i inventory.yaml
#>
param(
    [string]$OutFile = "",
    [string]$BackupPath = "",
    [string]$BackupPattern = "*",
    [switch]$SkipPendingUpdates
)
$ErrorActionPreference = "SilentlyContinue"
$ProgressPreference = "SilentlyContinue"

function Iso($value) {
    if ($null -eq $value) { return $null }
    try { return ([datetime]$value).ToUniversalTime().ToString("o") } catch { return $null }
}
function Reg($path, $name) {
    try { return (Get-ItemProperty -Path $path -Name $name -ErrorAction Stop).$name } catch { return $null }
}
function Section($name, [scriptblock]$block) {
    try { return & $block } catch { $script:errors += "$name`: $($_.Exception.GetType().Name)"; return $null }
}
$errors = @()
$facts = [ordered]@{ schema = "commune-auditor/windows-facts/1"; collected_at = Iso (Get-Date) }

$facts.os = Section "os" {
    $os = Get-CimInstance Win32_OperatingSystem
    $cv = "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
    [ordered]@{
        Caption = $os.Caption; Version = $os.Version; BuildNumber = $os.BuildNumber
        ProductType = $os.ProductType; CSName = $os.CSName; OSLanguage = $os.OSLanguage
        LastBootUpTime = Iso $os.LastBootUpTime
        EditionID = Reg $cv "EditionID"; DisplayVersion = Reg $cv "DisplayVersion"
        UBR = Reg $cv "UBR"; CurrentBuild = Reg $cv "CurrentBuild"
        SystemDrive = $env:SystemDrive
    }
}

$facts.antivirus = Section "antivirus" {
    @(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | ForEach-Object {
        [ordered]@{ displayName = $_.displayName; productState = $_.productState
                    pathToSignedProductExe = $_.pathToSignedProductExe; timestamp = $_.timestamp }
    })
}

$facts.defender = Section "defender" {
    $mp = Get-MpComputerStatus
    if ($null -eq $mp) { return $null }
    [ordered]@{
        AMRunningMode = $mp.AMRunningMode; AMServiceEnabled = $mp.AMServiceEnabled
        AntivirusEnabled = $mp.AntivirusEnabled; RealTimeProtectionEnabled = $mp.RealTimeProtectionEnabled
        IsTamperProtected = $mp.IsTamperProtected; AntivirusSignatureAge = $mp.AntivirusSignatureAge
        AntivirusSignatureLastUpdated = Iso $mp.AntivirusSignatureLastUpdated
        AntivirusSignatureVersion = $mp.AntivirusSignatureVersion
    }
}

$facts.services = Section "services" {
    @(Get-CimInstance Win32_Service | ForEach-Object {
        [ordered]@{ Name = $_.Name; State = $_.State; StartMode = $_.StartMode }
    })
}
$facts.processes = Section "processes" { @(Get-Process | Select-Object -ExpandProperty ProcessName -Unique) }

$facts.update_history = Section "update_history" {
    $session = New-Object -ComObject Microsoft.Update.Session
    $searcher = $session.CreateUpdateSearcher()
    $count = $searcher.GetTotalHistoryCount()
    if ($count -gt 200) { $count = 200 }
    @($searcher.QueryHistory(0, $count) | ForEach-Object {
        [ordered]@{ Date = Iso $_.Date; Operation = $_.Operation; ResultCode = $_.ResultCode; Title = $_.Title }
    })
}
$facts.pending_updates = $null
if (-not $SkipPendingUpdates) {
    $facts.pending_updates = Section "pending_updates" {
        $searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
        $searcher.Online = $false
        $result = $searcher.Search("IsInstalled=0 and Type='Software' and IsHidden=0")
        @($result.Updates | ForEach-Object {
            [ordered]@{ Title = $_.Title; MsrcSeverity = $_.MsrcSeverity
                        Categories = @($_.Categories | ForEach-Object { $_.Name }) }
        })
    }
}
$facts.hotfixes = Section "hotfixes" {
    @(Get-CimInstance Win32_QuickFixEngineering | ForEach-Object {
        $when = $null
        try { $when = Iso ([datetime]::Parse($_.InstalledOn, [Globalization.CultureInfo]::CurrentCulture)) } catch { }
        [ordered]@{ HotFixID = $_.HotFixID; InstalledOn = $_.InstalledOn; InstalledOnIso = $when }
    })
}

$facts.security_policy = Section "security_policy" {
    $tmp = [IO.Path]::Combine([IO.Path]::GetTempPath(), "ca-secedit-$PID.inf")
    secedit /export /cfg $tmp /areas SECURITYPOLICY /quiet | Out-Null
    $policy = [ordered]@{}
    foreach ($line in (Get-Content -Path $tmp -Encoding Unicode)) {
        if ($line -match '^\s*(MinimumPasswordLength|PasswordComplexity|MaximumPasswordAge|MinimumPasswordAge|PasswordHistorySize|LockoutBadCount|LockoutDuration|ResetLockoutCount|EnableAdminAccount|EnableGuestAccount|ClearTextPassword)\s*=\s*(-?\d+)\s*$') {
            $policy[$Matches[1]] = [int]$Matches[2]
        }
    }
    Remove-Item -Path $tmp -Force
    $policy
}

$facts.local_users = Section "local_users" {
    @(Get-CimInstance Win32_UserAccount -Filter "LocalAccount=True" | ForEach-Object {
        $local = Get-LocalUser -SID $_.SID
        [ordered]@{ Name = $_.Name; SID = $_.SID; Disabled = $_.Disabled; Lockout = $_.Lockout
                    PasswordExpires = $_.PasswordExpires; PasswordRequired = $_.PasswordRequired
                    LastLogon = Iso $local.LastLogon; PasswordLastSet = Iso $local.PasswordLastSet }
    })
}
$facts.administrators = Section "administrators" {
    $group = Get-CimInstance Win32_Group -Filter "SID='S-1-5-32-544'"
    @(Get-CimAssociatedInstance -InputObject $group -ResultClassName Win32_Account | ForEach-Object {
        [ordered]@{ Name = $_.Name; Domain = $_.Domain; SID = $_.SID }
    })
}

$facts.registry = Section "registry" {
    $system = "HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
    $explorer = "HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\Explorer"
    $winlogon = "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
    $desktop = "HKCU:\Control Panel\Desktop"
    $desktopPolicy = "HKCU:\Software\Policies\Microsoft\Windows\Control Panel\Desktop"
    $ts = "HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server"
    [ordered]@{
        InactivityTimeoutSecs = Reg $system "InactivityTimeoutSecs"
        ScreenSaveActive = Reg $desktop "ScreenSaveActive"; ScreenSaverIsSecure = Reg $desktop "ScreenSaverIsSecure"
        ScreenSaveTimeOut = Reg $desktop "ScreenSaveTimeOut"
        PolicyScreenSaveActive = Reg $desktopPolicy "ScreenSaveActive"
        PolicyScreenSaverIsSecure = Reg $desktopPolicy "ScreenSaverIsSecure"
        PolicyScreenSaveTimeOut = Reg $desktopPolicy "ScreenSaveTimeOut"
        NoDriveTypeAutoRun = Reg $explorer "NoDriveTypeAutoRun"; NoAutorun = Reg $explorer "NoAutorun"
        AutoAdminLogon = Reg $winlogon "AutoAdminLogon"; DefaultUserName = Reg $winlogon "DefaultUserName"
        DefaultPasswordPresent = ((Get-Item -Path $winlogon).GetValueNames() -contains "DefaultPassword")
        fDenyTSConnections = Reg $ts "fDenyTSConnections"
        UserAuthentication = Reg "$ts\WinStations\RDP-Tcp" "UserAuthentication"
        SMB1 = Reg "HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters" "SMB1"
        W32TimeType = Reg "HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters" "Type"
        W32TimeNtpServer = Reg "HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters" "NtpServer"
    }
}
$facts.smb = Section "smb" {
    $cfg = Get-SmbServerConfiguration
    if ($null -eq $cfg) { return $null }
    [ordered]@{ EnableSMB1Protocol = $cfg.EnableSMB1Protocol; EnableSMB2Protocol = $cfg.EnableSMB2Protocol }
}
$facts.optional_features = Section "optional_features" {
    @(Get-CimInstance Win32_OptionalFeature | Where-Object {
        $_.Name -in @("SMB1Protocol", "SMB1Protocol-Server", "TelnetClient", "TelnetServer", "TFTP", "IIS-FTPServer", "IIS-FTPSvc")
    } | ForEach-Object { [ordered]@{ Name = $_.Name; InstallState = $_.InstallState } })
}
$facts.firewall = Section "firewall" {
    @(Get-CimInstance -Namespace root/StandardCimv2 -ClassName MSFT_NetFirewallProfile | ForEach-Object {
        [ordered]@{ Name = $_.Name; Enabled = $_.Enabled; DefaultInboundAction = $_.DefaultInboundAction }
    })
}
$facts.listeners = Section "listeners" {
    @(Get-CimInstance -Namespace root/StandardCimv2 -ClassName MSFT_NetTCPConnection -Filter "State=2" | ForEach-Object {
        [ordered]@{ LocalAddress = $_.LocalAddress; LocalPort = $_.LocalPort }
    })
}
$facts.bitlocker = Section "bitlocker" {
    @(Get-CimInstance -Namespace root/CIMV2/Security/MicrosoftVolumeEncryption -ClassName Win32_EncryptableVolume | ForEach-Object {
        [ordered]@{ DriveLetter = $_.DriveLetter; ProtectionStatus = $_.ProtectionStatus; ConversionStatus = $_.ConversionStatus; VolumeType = $_.VolumeType }
    })
}
$facts.audit_policy = Section "audit_policy" {
    $tmp = [IO.Path]::Combine([IO.Path]::GetTempPath(), "ca-auditpol-$PID.csv")
    auditpol /backup /file:$tmp | Out-Null
    $rows = @(Import-Csv -Path $tmp | Where-Object { $_."Subcategory GUID" } | ForEach-Object {
        [ordered]@{ "Subcategory GUID" = $_."Subcategory GUID"; "Setting Value" = $_."Setting Value" }
    })
    Remove-Item -Path $tmp -Force
    $rows
}
$facts.security_log = Section "security_log" {
    $log = Get-WinEvent -ListLog Security
    $oldest = Get-WinEvent -LogName Security -MaxEvents 1 -Oldest
    [ordered]@{ MaximumSizeInBytes = $log.MaximumSizeInBytes; LogMode = "$($log.LogMode)"
                RecordCount = $log.RecordCount; OldestEvent = Iso $oldest.TimeCreated }
}
$facts.time_service = Section "time_service" {
    $svc = Get-CimInstance Win32_Service -Filter "Name='W32Time'"
    [ordered]@{ State = $svc.State; StartMode = $svc.StartMode }
}
$facts.w32tm = Section "w32tm" {
    # the 16 lines of the verbose status, read by position and number (labels and dates are
    # localised, the numbers are not)
    if ((Get-Service -Name W32Time -ErrorAction SilentlyContinue).Status -eq "Running") {
        @(w32tm /query /status /verbose 2>$null | Select-Object -First 40 | ForEach-Object { "$_" })
    } else { @() }
}
$facts.software = Section "software" {
    $keys = @("HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*",
              "HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*")
    # per-user installs (Zalo, UltraViewer, Chrome/Coc Coc "for this user only") live in each
    # loaded user hive; a user who is not logged on has no loaded hive and is not seen
    $users = @("Registry::HKEY_USERS\*\Software\Microsoft\Windows\CurrentVersion\Uninstall\*")
    @(Get-ItemProperty -Path $keys -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName } | ForEach-Object {
        [ordered]@{ DisplayName = $_.DisplayName; DisplayVersion = $_.DisplayVersion; Publisher = $_.Publisher; Scope = "machine" }
    }) + @(Get-ItemProperty -Path $users -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName } | ForEach-Object {
        [ordered]@{ DisplayName = $_.DisplayName; DisplayVersion = $_.DisplayVersion; Publisher = $_.Publisher; Scope = "user" }
    })
}
$facts.browsers = Section "browsers" {
    $candidates = [ordered]@{
        "Google Chrome" = @("$env:ProgramFiles\Google\Chrome\Application\chrome.exe", "${env:ProgramFiles(x86)}\Google\Chrome\Application\chrome.exe")
        "Microsoft Edge" = @("${env:ProgramFiles(x86)}\Microsoft\Edge\Application\msedge.exe", "$env:ProgramFiles\Microsoft\Edge\Application\msedge.exe")
        "Mozilla Firefox" = @("$env:ProgramFiles\Mozilla Firefox\firefox.exe", "${env:ProgramFiles(x86)}\Mozilla Firefox\firefox.exe")
        ("C" + [char]0x1ED1 + "c C" + [char]0x1ED1 + "c") = @("$env:ProgramFiles\CocCoc\Browser\Application\browser.exe", "${env:ProgramFiles(x86)}\CocCoc\Browser\Application\browser.exe")
    }
    # per-user copies under each profile's %LOCALAPPDATA% (Chrome and Coc Coc install there
    # without administrator rights)
    $perUser = [ordered]@{
        "Google Chrome" = "AppData\Local\Google\Chrome\Application\chrome.exe"
        ("C" + [char]0x1ED1 + "c C" + [char]0x1ED1 + "c") = "AppData\Local\CocCoc\Browser\Application\browser.exe"
        "Mozilla Firefox" = "AppData\Local\Mozilla Firefox\firefox.exe"
    }
    $profiles = @(Get-ChildItem -LiteralPath "$env:SystemDrive\Users" -Directory -ErrorAction SilentlyContinue)
    @(foreach ($name in $candidates.Keys) {
        foreach ($path in $candidates[$name]) {
            if (Test-Path -LiteralPath $path) {
                [ordered]@{ Name = $name; ProductVersion = (Get-Item -LiteralPath $path).VersionInfo.ProductVersion; User = $null }
                break
            }
        }
    }) + @(foreach ($profile in $profiles) {
        foreach ($name in $perUser.Keys) {
            $path = Join-Path $profile.FullName $perUser[$name]
            if (Test-Path -LiteralPath $path) {
                [ordered]@{ Name = $name; ProductVersion = (Get-Item -LiteralPath $path).VersionInfo.ProductVersion; User = $profile.Name }
            }
        }
    })
}
$facts.wazuh = Section "wazuh" {
    # the Wazuh agent's own state and the manager addresses it is configured with
    $dir = Join-Path ([Environment]::GetEnvironmentVariable('ProgramFiles(x86)')) 'ossec-agent'
    $state = Join-Path $dir 'wazuh-agent.state'
    if (-not (Test-Path -LiteralPath $state)) { return $null }
    [ordered]@{
        State = @(Get-Content -LiteralPath $state -TotalCount 50)
        Managers = @(Select-String -LiteralPath (Join-Path $dir 'ossec.conf') -Pattern '<address>([^<]+)</address>' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Select-Object -First 5)
    }
}
$facts.backup = $null
if ($BackupPath) {
    $facts.backup = Section "backup" {
        if (-not (Test-Path -LiteralPath $BackupPath)) { return [ordered]@{ Path = $BackupPath; Exists = $false } }
        $files = @(Get-ChildItem -LiteralPath $BackupPath -Recurse -File -Filter $BackupPattern | Sort-Object LastWriteTimeUtc)
        $root = [IO.Path]::GetPathRoot((Resolve-Path -LiteralPath $BackupPath).ProviderPath)
        # the physical disk behind the backup's volume and behind the system's: a second
        # partition of the same disk is not separate storage
        $disk = $null; $systemDisk = $null
        if ($root -match '^[A-Za-z]:') {
            $disk = (Get-Partition -DriveLetter $root.Substring(0, 1) -ErrorAction SilentlyContinue).DiskNumber
            $systemDisk = (Get-Partition -DriveLetter $env:SystemDrive.Substring(0, 1) -ErrorAction SilentlyContinue).DiskNumber
        }
        [ordered]@{ Path = $BackupPath; Exists = $true; Files = $files.Count
                    Newest = if ($files.Count) { Iso $files[-1].LastWriteTimeUtc } else { $null }
                    Root = $root; Disk = $disk; SystemDisk = $systemDisk }
    }
}
$facts.errors = $errors

$json = $facts | ConvertTo-Json -Depth 6 -Compress
if ($OutFile) {
    [IO.File]::WriteAllText($OutFile, $json, (New-Object System.Text.UTF8Encoding($false)))
} else {
    Write-Output $json
}
