namespace Ates.Grains.Interfaces;

/// <summary>Writes one journal partition's task events into the task board's rows (key: its stream's, "board#3").</summary>
[Alias("ates.task-board-writer")]
public interface ITaskBoardWriterGrain : IGrainWithStringKey, Ates.Journal.IJournalConsumer
{
}
