package example.migrating;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The user records the guide's snippets send and receive. */
record Order(String customer, byte[] json) {
  static List<Order> some(int count) {
    List<Order> orders = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      orders.add(new Order("customer-" + (i % 10), ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    return orders;
  }
}
