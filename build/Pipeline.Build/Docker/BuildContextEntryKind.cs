namespace Pipeline.Build.Docker;

public enum BuildContextEntryKind
{
    File,
    Directory,
    SymbolicLink,
}
