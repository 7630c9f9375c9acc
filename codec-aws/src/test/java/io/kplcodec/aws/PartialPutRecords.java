package io.kplcodec.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;

/**
 * A PutRecords call answered in part, as the service does when it throttles some entries: the refused entries get
 * an error and are not stored; the others go to kinesalite in one call, and its results are merged back in order.
 */
final class PartialPutRecords {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Which entries to refuse, decided in the call's order. */
  interface Refusal {
    /** The error code for a refused entry, or null to keep (and store) it. */
    String errorCode(JsonNode entry);
  }

  /** Sends a PutRecords body to kinesalite. */
  interface Forward {
    HttpResponse<byte[]> send(byte[] body) throws IOException, InterruptedException;
  }

  /** An HTTP answer: status and JSON body. */
  record Answer(int status, byte[] body) {}

  private PartialPutRecords() {}

  static Answer answer(byte[] body, Refusal refusal, Forward forward) throws IOException, InterruptedException {
    ObjectNode request = (ObjectNode) JSON.readTree(body);
    ArrayNode entries = (ArrayNode) request.get("Records");
    String[] errors = new String[entries.size()];
    ArrayNode kept = JSON.createArrayNode();
    for (int i = 0; i < entries.size(); i++) {
      errors[i] = refusal.errorCode(entries.get(i));
      if (errors[i] == null) {
        kept.add(entries.get(i));
      }
    }
    JsonNode stored = null;
    if (!kept.isEmpty()) {
      request.set("Records", kept);
      HttpResponse<byte[]> response = forward.send(JSON.writeValueAsBytes(request));
      if (response.statusCode() != 200) {
        return new Answer(response.statusCode(), response.body());
      }
      stored = JSON.readTree(response.body()).get("Records");
    }
    ArrayNode results = JSON.createArrayNode();
    int failed = 0;
    int next = 0;
    for (int i = 0; i < entries.size(); i++) {
      if (errors[i] != null) {
        failed++;
        results.addObject().put("ErrorCode", errors[i]).put("ErrorMessage", "refused by the test proxy");
      } else {
        results.add(stored.get(next++));
      }
    }
    ObjectNode response = JSON.createObjectNode();
    response.put("FailedRecordCount", failed);
    response.set("Records", results);
    return new Answer(200, JSON.writeValueAsBytes(response));
  }
}
