/*
 * Preloaded (`--import`) into a process under test to set its clock: `Date.now()` starts at TEST_CLOCK_START
 * (an ISO instant) and moves at wall speed, so a process that only polls during a market session can be tested
 * at any hour. `new Date()` without arguments is left alone; the product reads the time through Date.now().
 */
const start = process.env.TEST_CLOCK_START;
if (start) {
  const offset = Date.parse(start) - Date.now();
  if (Number.isNaN(offset)) throw new Error(`bad TEST_CLOCK_START ${start}`);
  const wallNow = Date.now.bind(Date);
  Date.now = () => wallNow() + offset;
}
