using Pipeline.Build.Engine;

namespace Pipeline.Build.Deployment;

/// <summary>
/// Destroy and Unlock ask the user to type the environment's name before they act, unless --yes is given. Where nobody can
/// answer (CI, or no interactive console) they require --yes, and say so before anything is looked at or changed.
/// </summary>
public sealed class EnvironmentConfirmation(
    string environment, bool yes, bool continuousIntegration, bool interactive, TextReader input, TextWriter output, string command, ConfirmedAction? action = null)
{
    readonly ConfirmedAction action = action ?? ConfirmedAction.Destroy(environment);

    /// <summary>The prompt on this process's console; CI from <c>CI=true</c>, interactive when standard input is not redirected.</summary>
    public static EnvironmentConfirmation FromConsole(string environment, bool yes, string command, ConfirmedAction? action = null) =>
        new(environment, yes, ContinuousIntegration.IsOn, !Console.IsInputRedirected, Console.In, Console.Out, command, action);

    /// <summary>The command as the user would type it again (without --yes), for the messages that say how to go on.</summary>
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
                $"{action.Consequence} and first asks you to type its name, but {why}, so nobody can answer. " +
                $"Pass --yes to {action.Act} without asking: {command} --yes{(action.Preview ? $" (see what would go first with: {command} --dry-run)" : "")}. Nothing was changed.");
    }

    /// <summary>Asks for the environment's name; returns when it was typed, throws when anything else was.</summary>
    public async Task ConfirmAsync(CancellationToken ct)
    {
        if (yes)
            return;
        RequireSomeoneToConfirm();
        output.Write($"Type the name of the environment ({environment}) to {action.Act}, anything else to stop: ");
        output.Flush();
        // ReadLine cannot be cancelled; an interrupt ends the wait for it, and so the run, with nothing changed.
        var answer = await Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(ct);
        if (answer?.Trim() == environment)
            return;
        throw new PipelineException(
            answer is null
                ? $"No answer (end of input): {action.NotDone}; nothing was changed."
                : $"'{answer.Trim()}' is not '{environment}': {action.NotDone}; nothing was changed.");
    }
}

/// <summary>What a confirmation is for, in the words of its messages.</summary>
/// <param name="Consequence">What the target does, e.g. "Destroy deletes environment dev".</param>
/// <param name="Act">What typing the name does, e.g. "delete it".</param>
/// <param name="NotDone">What an answer other than the name leaves, e.g. "environment dev was not deleted".</param>
/// <param name="Preview">Whether a dry run shows what would happen.</param>
public sealed record ConfirmedAction(string Consequence, string Act, string NotDone, bool Preview)
{
    public static ConfirmedAction Destroy(string environment) =>
        new($"Destroy deletes environment {environment}", "delete it", $"environment {environment} was not deleted", Preview: true);

    public static ConfirmedAction Unlock(string environment) =>
        new($"Unlock breaks the lock of environment {environment}", "break its lock", $"the lock of {environment} was left as it is", Preview: false);
}
