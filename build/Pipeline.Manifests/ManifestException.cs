namespace Pipeline.Manifests;

/// <summary>A service manifest is missing, malformed or inconsistent. The message names the file and the fix.</summary>
public sealed class ManifestException(string message) : Exception(message);
