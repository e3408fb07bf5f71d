using System.Net;

namespace Wmo.Storage;

/// <summary>
/// A storage request the service refused (any status the client does not treat as a normal outcome).
/// Carries the service's own error code (x-ms-error-code / error body), e.g. <c>QueueNotFound</c>,
/// <c>UpdateConditionNotSatisfied</c>, <c>LeaseIdMismatchWithLeaseOperation</c>.
/// </summary>
public class StorageRequestException : Exception
{
    public StorageRequestException(HttpStatusCode status, string errorCode, string message, string? requestDescription = null)
        : base($"{requestDescription ?? "Storage request"} failed with {(int)status} {errorCode}: {message}")
    {
        Status = status;
        ErrorCode = errorCode;
        ServiceMessage = message;
    }

    public HttpStatusCode Status { get; }

    public string ErrorCode { get; }

    public string ServiceMessage { get; }

    public bool IsNotFound => Status == HttpStatusCode.NotFound;

    public bool IsConflict => Status == HttpStatusCode.Conflict;

    /// <summary>An ETag (If-Match) condition failed: someone else changed the entity or blob first.</summary>
    public bool IsPreconditionFailed => Status == HttpStatusCode.PreconditionFailed;
}

/// <summary>An entity-group transaction was rolled back because one operation failed.</summary>
public sealed class TableTransactionFailedException : StorageRequestException
{
    public TableTransactionFailedException(HttpStatusCode status, string errorCode, string message, int? failedOperationIndex)
        : base(status, errorCode, message, "Table transaction")
    {
        FailedOperationIndex = failedOperationIndex;
    }

    /// <summary>Zero-based index of the operation that failed, when the service says which.</summary>
    public int? FailedOperationIndex { get; }
}
