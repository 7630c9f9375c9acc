package io.kplcodec.flink;

/** The README's user record type: a Flink POJO (public fields, no-argument constructor). */
public class Order {
  public String customer;
  public int amount;

  public Order() {}

  public Order(String customer, int amount) {
    this.customer = customer;
    this.amount = amount;
  }

  /** The order as JSON, its Kinesis user record's data. */
  public String toJson() {
    return "{\"customer\":\"" + customer + "\",\"amount\":" + amount + "}";
  }
}
