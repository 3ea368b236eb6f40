using EdgeCapture.Dataset.Timeline;

namespace EdgeCapture.Dataset.Output;

/// <summary>Hands every row to each configured sink (Hugging Face, raw folders, or both).</summary>
internal sealed class SinkFanout(IReadOnlyList<IDatasetSink> sinks) : IDatasetSink
{
    public void BeginSession(SessionInfo session)
    {
        foreach (IDatasetSink sink in sinks)
        {
            sink.BeginSession(session);
        }
    }

    public void Event(in EventRow row)
    {
        foreach (IDatasetSink sink in sinks)
        {
            sink.Event(in row);
        }
    }

    public void Frame(FrameReference frame)
    {
        foreach (IDatasetSink sink in sinks)
        {
            sink.Frame(frame);
        }
    }

    public void Step(StepRow step)
    {
        foreach (IDatasetSink sink in sinks)
        {
            sink.Step(step);
        }
    }

    public void EndSession(SessionSummary summary)
    {
        foreach (IDatasetSink sink in sinks)
        {
            sink.EndSession(summary);
        }
    }
}
