namespace Pipeline.Build.Deploy;

/// <summary>An image as deployed: which service, where it lives, its tag and its registry digest.</summary>
public sealed record DeployedImage(string Service, string Repository, string Tag, string? Digest);
