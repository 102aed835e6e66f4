#!/usr/bin/env pwsh
# Runs the pipeline: ./build.ps1 <Target> [--parameter value]...   (./build.ps1 --help lists them)
# Uses the installed dotnet when it satisfies global.json, otherwise installs that SDK under .dotnet/.
# A warm start (build sources unchanged) runs the compiled pipeline directly, without compiling.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Project = Join-Path $Root 'build/Pipeline.Build/Pipeline.Build.csproj'
$Output = Join-Path $Root 'artifacts/build-bin'
$Stamp = Join-Path $Output '.built-from-sources'
$LocalSdk = Join-Path $Root '.dotnet'
$Dll = Join-Path $Output 'Pipeline.Build.dll'

$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Get-ChangedInput {
    if (-not (Test-Path $Stamp)) { return '(first build)' }
    $since = (Get-Item -Force $Stamp).LastWriteTimeUtc
    $sources = @('build/Pipeline.Build', 'build/Pipeline.Manifests') | ForEach-Object {
        Get-ChildItem -Path (Join-Path $Root $_) -Recurse -File -Include '*.cs', '*.csproj' |
            Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }
    }
    $roots = @('global.json', 'Directory.Build.props', 'Directory.Packages.props') | ForEach-Object { Get-Item (Join-Path $Root $_) }
    $newer = @($sources) + @($roots) | Where-Object { $_.LastWriteTimeUtc -gt $since } | Select-Object -First 1
    if ($newer) { return $newer.FullName } else { return $null }
}

$localDotnet = Join-Path $LocalSdk ($IsWindows ? 'dotnet.exe' : 'dotnet')

if (-not (Get-ChangedInput) -and (Test-Path $Dll)) {
    $dotnet = (Test-Path $localDotnet) ? $localDotnet : 'dotnet'
    & $dotnet $Dll @args
    exit $LASTEXITCODE
}

function Test-SdkSatisfiesGlobalJson([string] $dotnet) {
    Push-Location $Root
    try { & $dotnet --version *> $null; return $LASTEXITCODE -eq 0 } catch { return $false } finally { Pop-Location }
}

if ((Test-Path $localDotnet) -and (Test-SdkSatisfiesGlobalJson $localDotnet)) {
    $dotnet = $localDotnet
} elseif ((Get-Command dotnet -ErrorAction SilentlyContinue) -and (Test-SdkSatisfiesGlobalJson 'dotnet')) {
    $dotnet = 'dotnet'
} else {
    Write-Host 'No .NET SDK matching global.json is installed; installing it into .dotnet/ (once).'
    New-Item -ItemType Directory -Force -Path $LocalSdk | Out-Null
    if ($IsWindows) {
        $installer = Join-Path $LocalSdk 'dotnet-install.ps1'
        if (-not (Test-Path $installer)) { Invoke-WebRequest 'https://dot.net/v1/dotnet-install.ps1' -OutFile $installer }
        & $installer -JsonFile (Join-Path $Root 'global.json') -InstallDir $LocalSdk -NoPath
    } else {
        $installer = Join-Path $LocalSdk 'dotnet-install.sh'
        if (-not (Test-Path $installer)) { Invoke-WebRequest 'https://dot.net/v1/dotnet-install.sh' -OutFile $installer }
        bash $installer --jsonfile (Join-Path $Root 'global.json') --install-dir $LocalSdk --no-path
    }
    $dotnet = $localDotnet
    $env:DOTNET_ROOT = $LocalSdk
}

New-Item -ItemType Directory -Force -Path $Output | Out-Null
Write-Host 'Compiling the pipeline...'
$next = "$Stamp.next"
Set-Content -Path $next -Value ''
& $dotnet build $Project -c Release -o $Output -nologo -v quiet -clp:ErrorsOnly *> (Join-Path $Output 'compile.log')
if ($LASTEXITCODE -ne 0) {
    Get-Content (Join-Path $Output 'compile.log') | Write-Host
    Write-Error 'The pipeline does not compile (full log: artifacts/build-bin/compile.log).'
    exit 1
}
Move-Item -Force $next $Stamp

& $dotnet $Dll @args
exit $LASTEXITCODE
