namespace Pipeline.Infra;

[Flags]
public enum StackSelection
{
    Registry = 1,
    App = 2,
    All = Registry | App,
}
