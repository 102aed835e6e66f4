using Pipeline.Build.Engine;

namespace Pipeline.Build.Deployment;

/// <summary>
/// Destroy asks the user to type the environment's name before anything is deleted, unless --yes is given. Where nobody
/// can answer (CI, or no interactive console) it requires --yes, and says so before anything is looked at or changed.
/// </summary>
public sealed class DestroyConfirmation(
    string environment, bool yes, bool continuousIntegration, bool interactive, TextReader input, TextWriter output, string command)
{
    /// <summary>The prompt on this process's console; CI from <c>CI=true</c>, interactive when standard input is not redirected.</summary>
    public static DestroyConfirmation FromConsole(string environment, bool yes, string command) =>
        new(environment, yes, ContinuousIntegration.IsOn, !Console.IsInputRedirected, Console.In, Console.Out, command);

    /// <summary>This Destroy as the user would type it again (without --yes), for the messages that say how to go on.</summary>
    public string Command => command;

    /// <summary>Fails unless someone can confirm: --yes was given, or a person at an interactive console outside CI.</summary>
    public void RequireSomeoneToConfirm()
    {
        if (yes)
            return;
        var why = continuousIntegration ? "this is a CI run (CI=true)"
            : !interactive ? "there is no interactive console (standard input is not a terminal)"
            : null;
        if (why is not null)
            throw new PipelineException(
                $"Destroy deletes environment {environment} and first asks you to type its name, but {why}, so nobody can answer. " +
                $"Pass --yes to delete it without asking: {command} --yes (see what would go first with: {command} --dry-run). Nothing was changed.");
    }

    /// <summary>Asks for the environment's name; returns when it was typed, throws when anything else was.</summary>
    public async Task ConfirmAsync(CancellationToken ct)
    {
        if (yes)
            return;
        RequireSomeoneToConfirm();
        output.Write($"Type the name of the environment ({environment}) to delete it, anything else to stop: ");
        output.Flush();
        // ReadLine cannot be cancelled; an interrupt ends the wait for it, and so the run, with nothing deleted.
        var answer = await Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(ct);
        if (answer?.Trim() == environment)
            return;
        throw new PipelineException(
            answer is null
                ? $"No answer (end of input): environment {environment} was not deleted; nothing was changed."
                : $"'{answer.Trim()}' is not '{environment}': environment {environment} was not deleted; nothing was changed.");
    }
}
