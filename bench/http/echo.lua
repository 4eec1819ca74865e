-- wrk: POST /echo with a ~300-byte JSON body (one tweet in MLflow's dataframe_split shape).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"dataframe_split": {"columns": ["text", "user_followers", "user_verified", ' ..
  '"created_at"], "data": [["Wearing a mask on the bus today, everyone around me too. ' ..
  'Stay safe and get vaccinated when you can #COVID19 #StaySafe", 1204, false, ' ..
  '"2020-08-14 09:31:07"]]}}'
